"""docs/ndjson.schema.json is what docs/ndjson_schema.py makes of the import's schemas, and
describes the records the demo file and an export hold."""

import importlib.util
import json
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from app.demo.loader import demo_lines
from app.vocabulary import (
    ActorKind,
    AffiliationKind,
    CitationKind,
    ClaimRelationKind,
    SourceKind,
    StanceLabel,
)
from bench.generate import Dataset
from tests.transfer.helpers import body, export, imported, lines

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA_FILE = DOCS / "ndjson.schema.json"


def schema_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ndjson_schema", DOCS / "ndjson_schema.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_file_is_what_the_script_writes() -> None:
    script = schema_script()
    assert SCHEMA_FILE.read_text() == script.text(), (
        "docs/ndjson.schema.json no longer matches the record schemas; "
        f"rerun `{script.COMMAND}` and review the diff"
    )


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def invalid(validator: Draft202012Validator, records: list[dict[str, Any]]) -> list[str]:
    return [
        f"{record.get('type')} {record.get('key')}: {error.message}"
        for record in records
        for error in validator.iter_errors(record)
    ]


def test_the_demo_file_fits(validator: Draft202012Validator) -> None:
    records = [json.loads(line) for line in demo_lines() if line.strip()]
    assert invalid(validator, records) == []


def test_generated_data_fits(validator: Draft202012Validator) -> None:
    records = lines(body(Dataset(stances=300, seed=2).records()))
    assert invalid(validator, records) == []


async def test_an_export_fits(
    validator: Draft202012Validator, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> None:
    await imported(client, body(Dataset(stances=200, seed=5).records()))
    records = lines(await export(client))
    assert {r["type"] for r in records} == {
        "actor",
        "affiliation",
        "source",
        "citation",
        "claim",
        "claim_relation",
        "stance",
    }
    assert invalid(validator, records) == []


def test_records_it_refuses(validator: Draft202012Validator) -> None:
    bad = [
        {"type": "planet", "key": "p"},
        {"type": "actor", "key": "a", "kind": "alien", "name": "X"},
        {"type": "stance", "key": "s", "claim": "c", "actor": "a", "source": "s", "label": "x"},
        {"type": "claim", "key": "c", "statement": "S", "colour": "red"},
        {"type": "actor", "key": "a", "kind": "person", "name": "X", "external_ids": []},
    ]
    assert all(list(validator.iter_errors(record)) for record in bad)


def test_its_vocabularies_are_the_services(validator: Draft202012Validator) -> None:
    defs = validator.schema["$defs"]
    assert defs["actor"]["properties"]["kind"]["enum"] == list(ActorKind)
    assert defs["affiliation"]["properties"]["kind"]["enum"] == list(AffiliationKind)
    assert defs["source"]["properties"]["kind"]["enum"] == list(SourceKind)
    assert defs["citation"]["properties"]["kind"]["enum"] == list(CitationKind)
    assert defs["claim_relation"]["properties"]["kind"]["enum"] == list(ClaimRelationKind)
    assert defs["stance"]["properties"]["label"]["enum"] == list(StanceLabel)
