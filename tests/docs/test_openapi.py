"""The OpenAPI document is the contract other services integrate on: valid OpenAPI 3.1, every
operation, parameter and field described, errors declared as problem+json, enums named, and
response examples that are the worked example's real answers.

The examples live in app/http/openapi_examples.json. When a response changes shape, regenerate them
from a live server with the worked example and review the diff:

    CLAIMGRAPH_UPDATE_EXAMPLES=1 pytest tests/docs/test_openapi.py
"""

import copy
import json
import os
import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from app import vocabulary
from app.errors import PROBLEM_JSON
from app.http.docs import EXAMPLES_FILE, TAGS
from app.main import create_app
from app.settings import Settings
from tests.docs.conftest import deployment_claim_id

Doc = dict[str, Any]
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
UPDATE_VAR = "CLAIMGRAPH_UPDATE_EXAMPLES"
# The main reads, each with an example captured from the worked example.
EXAMPLE_OPERATIONS = {"list_claims", "get_claim", "list_stances", "get_actor", "get_source"}
NAMED_ENUMS: list[type[StrEnum]] = [
    vocabulary.StanceLabel,
    vocabulary.StanceSide,
    vocabulary.Confidence,
    vocabulary.ActorKind,
    vocabulary.Reliability,
    vocabulary.AffiliationKind,
    vocabulary.SourceKind,
    vocabulary.CitationKind,
    vocabulary.ClaimRelationKind,
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app, never started: its OpenAPI document needs no database."""
    unused = tmp_path_factory.mktemp("openapi") / "unused.db"
    return create_app(Settings(database_url=f"sqlite:///{unused}"))


@pytest.fixture(scope="module")
def doc(api: FastAPI) -> Doc:
    return api.openapi()


def operations(doc: Doc) -> Iterator[tuple[str, dict[str, Any]]]:
    """(`METHOD /path`, operation) for every operation in the document."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", op


def report(what: str, gaps: list[str]) -> str:
    return f"{len(gaps)} {what}:\n  " + "\n  ".join(gaps)


def test_document_is_valid_openapi_3_1(doc: Doc) -> None:
    assert doc["openapi"].startswith("3.1.")
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in OpenAPIV31SpecValidator(doc).iter_errors()
    ]
    assert errors == [], report("OpenAPI 3.1 violations", errors)


def test_every_operation_has_a_stable_id_tag_summary_and_description(
    api: FastAPI, doc: Doc
) -> None:
    gaps = [
        f"{sorted(route.methods or ())} {route.path}: no explicit operation_id (FastAPI "
        "would derive one from the function name and path, which changes when either does)"
        for route in api.routes
        if isinstance(route, APIRoute) and route.include_in_schema and not route.operation_id
    ]
    seen: dict[str, str] = {}
    for where, op in operations(doc):
        op_id = op.get("operationId", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", op_id):
            gaps.append(f"{where}: operationId {op_id!r} is not snake_case")
        if op_id in seen:
            gaps.append(f"{where}: operationId {op_id!r} also used by {seen[op_id]}")
        seen[op_id] = where
        gaps += [f"{where}: no {k}" for k in ("tags", "summary", "description") if not op.get(k)]
    assert gaps == [], report("operations incompletely documented", gaps)


def test_every_tag_is_declared_with_a_description(doc: Doc) -> None:
    declared = {tag["name"]: tag.get("description") for tag in doc.get("tags", [])}
    assert [tag["name"] for tag in doc.get("tags", [])] == [tag["name"] for tag in TAGS]
    gaps = sorted(
        f"{where}: tag {tag!r} (declare it, with a description, in app/http/docs.py TAGS)"
        for where, op in operations(doc)
        for tag in op.get("tags", [])
        if not declared.get(tag)
    )
    gaps += [f"tag {name!r}: no description" for name, text in declared.items() if not text]
    assert gaps == [], report("tags undeclared or undescribed", gaps)


def _undescribed_properties(schema: dict[str, Any], where: str) -> Iterator[str]:
    for name, prop in schema.get("properties", {}).items():
        if not prop.get("description"):
            yield f"{where}.{name}"
        for nested in (prop, prop.get("items", {}), *prop.get("anyOf", [])):
            if "properties" in nested:
                yield from _undescribed_properties(nested, f"{where}.{name}")


def test_every_parameter_schema_and_field_has_a_description(doc: Doc) -> None:
    gaps = [
        f"{where}: {param['in']} parameter `{param['name']}`"
        for where, op in operations(doc)
        for param in op.get("parameters", [])
        if not param.get("description")
    ]
    for name, schema in sorted(doc["components"]["schemas"].items()):
        if not schema.get("description"):
            gaps.append(f"schema {name}")
        gaps += [f"field {field}" for field in _undescribed_properties(schema, name)]
    assert gaps == [], report("parameters, schemas and fields without a description", gaps)


def test_errors_are_declared_as_problem_details(doc: Doc) -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    gaps = []
    for where, op in operations(doc):
        responses = op["responses"]
        for status, response in responses.items():
            if status.isdigit() and int(status) >= 400 and where != "GET /readyz":
                content = response.get("content", {})
                if list(content) != [PROBLEM_JSON] or content[PROBLEM_JSON]["schema"] != problem:
                    gaps.append(f"{where} {status}: {sorted(content)} is not problem+json")
        if (op.get("parameters") or op.get("requestBody")) and "422" not in responses:
            gaps.append(f"{where}: takes input but declares no 422")
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # never sent
    assert gaps == [], report("error responses not declared as problem+json", gaps)


def _inline_enums(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, dict):
        if "enum" in node and not re.fullmatch(r"components/schemas/[^/]+", path):
            yield f"{path}: {node['enum']}"
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from _inline_enums(value, f"{path}/{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _inline_enums(value, f"{path}/{i}")


def test_enums_are_named_schemas(doc: Doc) -> None:
    schemas = doc["components"]["schemas"]
    for enum in NAMED_ENUMS:
        assert schemas[enum.__name__]["enum"] == [member.value for member in enum]
    inline = list(_inline_enums(doc, ""))
    assert inline == [], report(
        "inline enums (make them a StrEnum, e.g. in app/vocabulary/, so they get a name)",
        inline,
    )


def _strict(node: Any) -> Any:
    """A copy of a schema in which objects allow no properties they do not declare."""
    if isinstance(node, dict):
        strict = {key: _strict(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            strict["additionalProperties"] = False
        return strict
    if isinstance(node, list):
        return [_strict(value) for value in node]
    return node


def test_main_reads_carry_examples_that_fit_their_schema(doc: Doc) -> None:
    components = _strict(doc["components"])
    found = set()
    gaps = []
    for where, op in operations(doc):
        for status, response in op["responses"].items():
            for media_type, media in response.get("content", {}).items():
                for name, example in media.get("examples", {}).items():
                    if status == "200":
                        found.add(op["operationId"])
                    root = {**_strict(media["schema"]), "components": components}
                    gaps += [
                        f"{where} {status} {media_type} example {name!r} at "
                        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                        for e in Draft202012Validator(root).iter_errors(example["value"])
                    ]
    assert found >= EXAMPLE_OPERATIONS
    assert gaps == [], report("examples that do not fit their schema", gaps)


# Each example: how a client asks the worked example, and the summary shown beside the answer.
async def demo_answers(http: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    async def get(path: str, **params: str) -> Any:
        r = await http.get(path, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    claim_id = await deployment_claim_id(http)
    disputes = await get("/v1/stances", claim_id=claim_id, side="dispute")
    first = disputes["items"][0]
    return {
        "list_claims": {
            "summary": "Search the worked example: `q=personnel are deployed`",
            "value": await get("/v1/claims", q="personnel are deployed"),
        },
        "get_claim": {
            "summary": "The deployment claim and its summary: contested",
            "value": await get(f"/v1/claims/{claim_id}"),
        },
        "list_stances": {
            "summary": "Who disputes the deployment claim: `claim_id=…&side=dispute`",
            "value": disputes,
        },
        "get_actor": {
            "summary": f"An actor of the worked example: {first['actor']['name']}",
            "value": await get(f"/v1/actors/{first['actor_id']}"),
        },
        "get_source": {
            "summary": "The worked example's article",
            "value": await get(f"/v1/sources/{first['source_id']}"),
        },
    }


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VOLATILE = {"created_at", "updated_at", "retrieved_at"}  # set when the demo is loaded


def _comparable(examples: Any) -> Any:
    """Examples with their ids numbered in order of appearance and load times blanked."""
    ids: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(), f"<id {len(ids) + 1}>")

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: "<load time>" if k in VOLATILE else walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return UUID.sub(number, node) if isinstance(node, str) else node

    return walk(json.loads(json.dumps(examples, sort_keys=True)))


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, examples: dict[str, Any]) -> None:
    path.write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.mark.slow
async def test_examples_are_the_worked_examples_answers(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as http:
        live = await demo_answers(http)
    assert set(live) == EXAMPLE_OPERATIONS
    if os.environ.get(UPDATE_VAR):
        _write(EXAMPLES_FILE, live)
    stored = _read(EXAMPLES_FILE)
    assert _comparable(stored) == _comparable(copy.deepcopy(live)), (
        f"{EXAMPLES_FILE} no longer matches the worked example's answers; regenerate it with "
        f"{UPDATE_VAR}=1 pytest tests/docs/test_openapi.py and review the diff"
    )
