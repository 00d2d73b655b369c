"""The API's documentation: Swagger UI at /docs and ReDoc at /redoc, served without internet
access, and the OpenAPI document finished for client developers.

The Swagger UI and ReDoc bundles come from the fastapi-offline package (MIT), which ships
swagger-ui-dist (Apache-2.0) and redoc (MIT) as static files; nothing is loaded from a CDN.
"""

import json
from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from app.errors import PROBLEM_JSON, Problem
from app.http.problem_docs import PROBLEM_EXAMPLES, OpenAPIDict
from app.vocabulary import STANCE_LABELS, StanceSide

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
EXAMPLES_FILE = Path(__file__).parent / "openapi_examples.json"
SCHEMAS = "#/components/schemas/"
# ReDoc's menu footer shows Redocly's logo from their CDN, and no option turns it off; the
# bundle is served with an empty inline image in its place, so the page never reaches outside.
REDOC_LOGO_URL = "https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="

# Tags in the order the docs show them; every tag an operation uses must be described here.
TAGS: list[dict[str, object]] = [
    {
        "name": "claims",
        "description": "Propositions that can be true or false, each stated once. Reading a "
        "claim gives its summary: stance counts by side and label, and whether it is contested.",
    },
    {
        "name": "stances",
        "description": "The core fact: an actor, as recorded in a source, takes a stance on a "
        "claim, in these words. `GET /v1/stances?claim_id=…&side=dispute` answers *who disputes "
        "it*; `side=support` answers *who asserts it*.",
    },
    {
        "name": "actors",
        "description": "Anyone who can hold a position: people, organizations, governments, "
        "agencies, military units, media outlets, fact-checkers and unnamed collectives.",
    },
    {
        "name": "affiliations",
        "description": "An actor's membership of another (member of, part of, spokesperson "
        "for, …), with a role and a validity interval.",
    },
    {
        "name": "sources",
        "description": "Documents in which positions are recorded: articles, statements, "
        "briefings, reports, posts, transcripts. A source may hold its full text, against "
        "which stance quotes are checked.",
    },
    {
        "name": "citations",
        "description": "How a source derives from another (cites, quotes, republishes, "
        "translates): the chain from a story back to its primary source.",
    },
    {
        "name": "claim relations",
        "description": "How a claim relates to another: contradicts, supports, refines (is a "
        "more specific case of), or duplicates (`same_as`).",
    },
    {
        "name": "suggestions",
        "description": "Stances a text appears to hold (who, on which claim, with which label, "
        "in which words), found by explainable rules over the vocabulary's cue words. Stores "
        "nothing: accept a suggestion by posting its `stance` body.",
    },
    {
        "name": "import and export",
        "description": "Bulk NDJSON import (all or nothing, idempotent, errors by line) and "
        "streamed export as NDJSON, schema.org ClaimReview, W3C PROV-JSON or a STIX 2.1 bundle.",
    },
    {
        "name": "history",
        "description": "Every change to every record: who made it, when, and the record before "
        "and after. A deleted record leaves a tombstone, not a gap.",
    },
    {
        "name": "keys",
        "description": "API keys (admin scope): writes need a key with the `write` scope, sent "
        "as `Authorization: Bearer …`. Keys are stored hashed; the secret is shown once.",
    },
    {
        "name": "vocabulary",
        "description": "The controlled stance vocabulary, so clients never hard-code labels, "
        "sides or probability bands.",
    },
    {
        "name": "operations",
        "description": "Liveness and readiness probes for load balancers and orchestrators, "
        "and metrics.",
    },
]

SWAGGER_UI_PARAMETERS: dict[str, object] = {
    "validatorUrl": None,  # never send the document to an online validator
    "displayOperationId": True,  # the names a generated client's functions carry
    "filter": True,
    "docExpansion": "list",
}


def _at(request: Request, path: str) -> str:
    """`path` under the root path the app is served at (behind a proxy's prefix)."""
    return f"{request.scope.get('root_path', '')}{path}"


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc from local assets and finish the app's OpenAPI document."""
    app.openapi_tags = TAGS

    async def redoc_bundle() -> Response:
        return Response(
            _redoc_bundle(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # Before the mount, which would otherwise answer this path with the unpatched file.
    app.add_api_route(f"{ASSETS_URL}/redoc.standalone.js", redoc_bundle, include_in_schema=False)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = "/docs/oauth2-redirect"

    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=_at(request, openapi_url),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=_at(request, f"{ASSETS_URL}/swagger-ui-bundle.js"),
            swagger_css_url=_at(request, f"{ASSETS_URL}/swagger-ui.css"),
            swagger_favicon_url=_at(request, f"{ASSETS_URL}/favicon.png"),
            oauth2_redirect_url=_at(request, redirect_url),
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=_at(request, openapi_url),
            title=f"{app.title} - ReDoc",
            with_google_fonts=False,  # the page works offline
            redoc_js_url=_at(request, f"{ASSETS_URL}/redoc.standalone.js"),
            redoc_favicon_url=_at(request, f"{ASSETS_URL}/favicon.png"),
        )

    app.add_api_route("/docs", swagger_ui, include_in_schema=False)
    app.add_api_route(redirect_url, swagger_ui_redirect, include_in_schema=False)
    app.add_api_route("/redoc", redoc, include_in_schema=False)

    def openapi() -> OpenAPIDict:
        if app.openapi_schema is None:
            finish_openapi(FastAPI.openapi(app))  # builds and caches app.openapi_schema
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


@cache
def _redoc_bundle() -> bytes:
    bundle = (ASSETS_DIR / "redoc.standalone.js").read_text(encoding="utf-8")
    return bundle.replace(REDOC_LOGO_URL, BLANK_IMAGE).encode()


def finish_openapi(doc: OpenAPIDict) -> None:
    """Complete FastAPI's document in place: problem+json errors, descriptions of optional
    fields, the stance vocabulary spelled out, and response examples from the demo data."""
    schemas: OpenAPIDict = doc.setdefault("components", {}).setdefault("schemas", {})
    _declare_problem_responses(doc, schemas)
    _simplify_optional_query_parameters(doc)
    for schema in schemas.values():
        _hoist_optional_descriptions(schema)
    _describe_vocabulary(schemas)
    _add_examples(doc)


def _operations(doc: OpenAPIDict) -> list[OpenAPIDict]:
    return [op for path in doc.get("paths", {}).values() for op in path.values()]


def _declare_problem_responses(doc: OpenAPIDict, schemas: OpenAPIDict) -> None:
    # Every error the app raises is rendered as problem+json (app.errors), including the 422
    # FastAPI declares on its own with its HTTPValidationError schema, which the app never sends.
    # Only problem+json: FastAPI also lists the route's own media type for a `model`.
    for op in _operations(doc):
        for status, response in op.get("responses", {}).items():
            content = response.get("content", {})
            validation = content.get("application/json", {}).get("schema", {}).get("$ref")
            if validation == f"{SCHEMAS}HTTPValidationError":
                response["description"] = "Invalid input; the offending fields are named."
                response["content"] = {PROBLEM_JSON: _problem_media(int(status))}
            elif PROBLEM_JSON in content:
                response["content"] = {PROBLEM_JSON: content[PROBLEM_JSON]}
            elif not content and status.isdigit() and int(status) >= 400:
                response["content"] = {PROBLEM_JSON: _problem_media(int(status))}
    definition = Problem.model_json_schema(ref_template=SCHEMAS + "{model}")
    for name, schema in {"Problem": definition, **definition.pop("$defs", {})}.items():
        schemas.setdefault(name, schema)
    for unused in ("HTTPValidationError", "ValidationError"):  # the first refers to the second
        if f'"{SCHEMAS}{unused}"' not in json.dumps(doc):
            schemas.pop(unused, None)


def _problem_media(status: int) -> dict[str, object]:
    media: dict[str, object] = {"schema": {"$ref": f"{SCHEMAS}Problem"}}
    if status in PROBLEM_EXAMPLES:
        media["examples"] = PROBLEM_EXAMPLES[status]
    return media


def _simplify_optional_query_parameters(doc: OpenAPIDict) -> None:
    # An optional query parameter is absent or has a value: `null` is not a value a URL can
    # carry, so `anyOf: [X, null]` says no more than X and makes UIs and clients show a union.
    for op in _operations(doc):
        for param in op.get("parameters", []):
            schema = param.get("schema", {})
            branches = schema.get("anyOf", [])
            typed = [b for b in branches if b.get("type") != "null"]
            if param.get("in") == "query" and len(branches) == 2 and len(typed) == 1:
                rest = {k: v for k, v in schema.items() if k != "anyOf"}
                param["schema"] = {**typed[0], **rest}


def _hoist_optional_descriptions(schema: OpenAPIDict) -> None:
    # `x: Alias | None` puts the alias's description on the non-null branch of an anyOf, where
    # UIs and generators do not look; it describes the value either way, so lift it. A branch
    # that is a $ref is a named type whose description is the type's, not the field's.
    for prop in schema.get("properties", {}).values():
        branches = prop.get("anyOf", [])
        typed = [b for b in branches if b.get("type") != "null"]
        if (
            "description" not in prop
            and len(branches) == 2
            and len(typed) == 1
            and "description" in typed[0]
            and "$ref" not in typed[0]
        ):
            prop["description"] = typed[0]["description"]
        _hoist_optional_descriptions(prop)


def _describe_vocabulary(schemas: OpenAPIDict) -> None:
    if "StanceLabel" in schemas:
        rows = ["| label | side | probability band | meaning |", "|---|---|---|---|"]
        for info in STANCE_LABELS.values():
            band = f"{info.band.low:.2f}-{info.band.high:.2f}" if info.band else "none"
            rows.append(f"| `{info.label}` | {info.side} | {band} | {info.description} |")
        label = schemas["StanceLabel"]
        label["description"] = label.get("description", "") + "\n\n" + "\n".join(rows)
    if "StanceSide" in schemas:
        sides = [
            f"- `{side}`: "
            + ", ".join(f"`{i.label}`" for i in STANCE_LABELS.values() if i.side == side)
            for side in StanceSide
        ]
        side = schemas["StanceSide"]
        side["description"] = side.get("description", "") + " Labels on each side:\n\n"
        side["description"] += "\n".join(sides)


@cache
def response_examples() -> dict[str, OpenAPIDict]:
    """Response examples by operationId, captured from the worked example (tests/docs)."""
    examples: dict[str, OpenAPIDict] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return examples


def _add_examples(doc: OpenAPIDict) -> None:
    examples = response_examples()
    for op in _operations(doc):
        example = examples.get(op.get("operationId", ""))
        if example is None:
            continue
        for status in ("200", "201"):
            media = op.get("responses", {}).get(status, {}).get("content", {})
            if "application/json" in media:
                media["application/json"]["examples"] = {
                    "worked-example": {"summary": example["summary"], "value": example["value"]}
                }
