"""What the trust layer adds to each operation's OpenAPI description: the statuses its
middleware and dependencies can answer, and the request headers they read."""

from typing import Any

from fastapi import FastAPI

from app.errors import problem_responses
from app.middleware import IMPORT_PATH

# Statuses any operation behind an API-key check can answer.
GUARDED = (401, 403, 414, 429, 503)
HEADERS: dict[str, dict[str, Any]] = {
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


def _header(name: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, **HEADERS[name]}


def _add(doc: dict[str, Any], prefix: str) -> None:
    for path, operations in doc.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        one_record = path.endswith("}")
        for method, op in operations.items():
            statuses = set(GUARDED)
            headers: list[str] = []
            if method in ("post", "patch", "put"):
                statuses.add(413)
            if method == "post" and path != IMPORT_PATH:  # (an import is idempotent itself)
                statuses |= {409, 422}
                headers.append("Idempotency-Key")
            if one_record and method in ("patch", "delete"):
                statuses |= {404, 410, 412}
                headers.append("If-Match")
            if one_record and method == "get":
                statuses.add(410)
                headers.append("If-None-Match")
                op["responses"].setdefault("304", {"description": "Not modified since the ETag."})
            for status, entry in problem_responses(*sorted(statuses)).items():
                entry.pop("model", None)
                op["responses"].setdefault(str(status), entry)
            op["parameters"] = [*op.get("parameters", []), *map(_header, headers)]
            if not op["parameters"]:
                del op["parameters"]


def document_trust(app: FastAPI, prefix: str = "/v1/") -> None:
    """Declare on every operation under `prefix` (those behind the API-key check) the statuses
    and headers the trust layer adds, once, when the OpenAPI document is first built."""
    build = app.openapi
    done: list[int] = []  # ids of the documents already completed (the app caches one)

    def openapi() -> dict[str, Any]:
        doc = build()
        if id(doc) not in done:
            _add(doc, prefix)
            done.append(id(doc))
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
