"""What the trust layer adds to each operation's OpenAPI description: the statuses its
middleware and dependencies can answer, and the request headers they read."""

from fastapi import FastAPI

from app.http.conditional import RECORDS_BY_PARAM
from app.http.middleware import IMPORT_PATH
from app.http.problem_docs import OpenAPIDict, problem_responses

VERSIONED_PARAMS = frozenset(RECORDS_BY_PARAM)
RECORD_PARAMS = VERSIONED_PARAMS | {"record_id"}

# Statuses any operation behind an API-key check can answer.
GUARDED = (401, 403, 414, 429, 503)
HEADERS: dict[str, dict[str, object]] = {
    "If-Match": {
        "description": "Change the record only if it is still at this ETag (412 otherwise); "
        "`*` matches any version.",
        "schema": {"type": "string", "maxLength": 1024},
    },
    "If-None-Match": {
        "description": "Answer 304 Not Modified if the record still has this ETag.",
        "schema": {"type": "string", "maxLength": 1024},
    },
    "Idempotency-Key": {
        "description": "Send a retried POST with the same key to get the first answer again "
        "instead of a second write (kept 24 hours; 422 if reused for another request).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    },
}


def _header(name: str) -> dict[str, object]:
    return {"name": name, "in": "header", "required": False, **HEADERS[name]}


def _add(doc: OpenAPIDict, reads_open: bool) -> None:
    for path, operations in doc.get("paths", {}).items():
        one_record = path.endswith("}")
        # A path naming a record (or a record's sub-records) answers 410 once it is deleted;
        # records with a version take If-Match (API keys have none).
        names = {part.strip("{}") for part in path.split("/") if part.startswith("{")}
        of_records = bool(names & RECORD_PARAMS)
        versioned = one_record and path.rsplit("/", 1)[1].strip("{}") in VERSIONED_PARAMS
        for method, op in operations.items():
            if not op.get("security"):
                continue  # not behind the key check (liveness, readiness)
            statuses = set(GUARDED)
            headers: list[str] = []
            if of_records:
                statuses.add(410)
            if method in ("post", "patch", "put"):
                statuses |= {413, 415}
            # `x-reads-only`: a POST that only reads (`/v1/suggestions`), guarded as a GET.
            reads = method == "get" or bool(op.get("x-reads-only"))
            # (an import is idempotent itself; a read writes nothing to replay)
            if method == "post" and path != IMPORT_PATH and not reads:
                statuses |= {409, 422}
                headers.append("Idempotency-Key")
            if versioned and method in ("patch", "delete"):
                statuses |= {404, 412}
                headers.append("If-Match")
            if one_record and method == "get":
                headers.append("If-None-Match")
                op["responses"].setdefault("304", {"description": "Not modified since the ETag."})
            if reads and reads_open:
                # Reads are open by configuration: a key is welcome (rate limits, scope) but
                # not needed. An empty requirement says so.
                op["security"] = [*op["security"], {}]
            for status, entry in problem_responses(*sorted(statuses)).items():
                entry.pop("model", None)
                op["responses"].setdefault(str(status), entry)
            op["parameters"] = [*op.get("parameters", []), *map(_header, headers)]
            if not op["parameters"]:
                del op["parameters"]


def document_trust(app: FastAPI, *, reads_open: bool) -> None:
    """Declare on every operation behind the API-key check the statuses and headers the trust
    layer adds, once, when the OpenAPI document is first built."""
    build = app.openapi
    done: list[int] = []  # ids of the documents already completed (the app caches one)

    def openapi() -> OpenAPIDict:
        doc = build()
        if id(doc) not in done:
            _add(doc, reads_open)
            done.append(id(doc))
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
