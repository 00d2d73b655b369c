"""docs/ndjson.schema.json, the JSON Schema of one NDJSON record, produced from the schemas the
import validates with.

    python docs/ndjson_schema.py            # print the schema
    python docs/ndjson_schema.py --write    # and write it to docs/ndjson.schema.json

A record's fields are those of its type's `XCreate` schema (app/transfer/specs.py: SPECS), as
Pydantic's own JSON Schema gives them (types, descriptions, defaults, lengths, bounds,
patterns, nullability, `required`), with each id field replaced by the ref that stands in for it
(`publisher` for `publisher_id`, `authors` for `author_ids`), datetimes as the `time`
definition (ISO 8601, a bare date too), enums written out from app/vocabulary, and `type`,
`key` and `id` added. A new field on a schema thus reaches the file when this is rerun, with no
edit here; tests/transfer/test_schema.py compares the file with what this produces, so the two
cannot drift apart.

What the schemas do not say is kept here: the ref shapes (the import's natural keys, see
app/transfer/lines.py), what each record is and how an import matches it, and what the refs
that the API takes from the URL path (an affiliation's `actor`, ...) name.
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

from app.ingest.records import RefField, Spec
from app.transfer.lines import MAX_KEY
from app.transfer.specs import SPECS, TYPES
from app.vocabulary import ActorKind

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "docs" / "ndjson.schema.json"
COMMAND = "python docs/ndjson_schema.py --write"

JsonSchema = dict[str, Any]

DESCRIPTION = (
    "One line of a claimgraph NDJSON import or export (see docs/ndjson.md). A line is one "
    "record with a `type` and a `key`; records refer to earlier records by key, or to records "
    "already in the database by natural key. Fields that are null may be omitted on input; the "
    "service applies the same rules as its API on top of this schema (bands, quotes, refs). "
    f"Generated from the service's schemas by `{COMMAND}`."
)

# What each record is, and how an import matches it with a record already in the database.
# (The schemas' docstrings describe the API's request bodies instead.)
RECORDS: dict[str, str] = {
    "actor": "Anyone who can hold a position. Matched by any external id, else by kind and name.",
    "affiliation": "An actor's membership of, or role in, another actor. Matched by actor, "
    "organization, kind and valid_from.",
    "source": "A document in which positions are recorded. Matched by normalized URL; without "
    "one, by content hash, else by kind and title, among sources without a URL.",
    "citation": "A source citing, quoting, republishing or translating another. Matched by "
    "source, cited source and kind.",
    "claim": "One proposition, stated once. Matched by statement, ignoring case and spacing.",
    "claim_relation": "A claim that contradicts, supports, refines or duplicates another. "
    "Matched by claim, related claim and kind.",
    "stance": "An actor, as recorded in a source, takes a stance on a claim. Matched by claim, "
    "actor, source, label and quote against stances recorded before the import.",
}

# Refs that stand for no schema field (the API takes them from the URL path): what each names.
PATH_REFS: dict[tuple[str, str], str] = {
    ("affiliation", "actor"): "The actor that belongs to `organization`.",
    ("citation", "source"): "The citing source.",
    ("claim_relation", "claim"): "The claim the relation starts from.",
}

# Field descriptions that speak of the URL path or of id fields, said of the record instead.
REWORDED: dict[tuple[str, str], str] = {
    ("affiliation", "organization"): "The actor `actor` belongs to.",
    ("claim_relation", "kind"): "`refines`: `claim` is a more specific case of `related`.",
}
# A description that mentions these would be wrong in a record: it needs an entry above.
API_WORDING = re.compile(r"\bpath\b|\bpath's\b|_ids?\b")

KEY = {"$ref": "#/$defs/key"}
ID = "#/$defs/id"
TIME = "#/$defs/time"
# Keywords whose values are data, not schemas: left as they are.
DATA = frozenset({"default", "examples", "const", "enum"})


def _object(properties: JsonSchema) -> JsonSchema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def fixed_defs() -> JsonSchema:
    """The definitions the records share: key, id, time, name and the three ref shapes."""
    nonempty = {"type": "string", "minLength": 1}
    return {
        "key": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_KEY,
            "description": "The record's key in this file; other lines refer to the record by "
            "it. On export, the record's id.",
        },
        "id": {
            "type": "string",
            "pattern": "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
            "[0-9a-fA-F]{12}$",
            "description": "The record's UUID: kept when the import creates the record.",
        },
        "time": {
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}"
            "(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$",
            "description": "ISO 8601 date or date-time; without a zone it is UTC.",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 400},
        "actorRef": {
            "description": "An actor: the key of an earlier actor record, or an actor in the "
            "database by one of its external ids or by kind and name.",
            "oneOf": [
                KEY,
                _object(
                    {
                        "external_id": {
                            "type": "object",
                            "minProperties": 1,
                            "maxProperties": 1,
                            "additionalProperties": nonempty,
                        }
                    }
                ),
                _object(
                    {
                        "kind": {"enum": [k.value for k in ActorKind]},
                        "name": {"$ref": "#/$defs/name"},
                    }
                ),
            ],
        },
        "sourceRef": {
            "description": "A source: the key of an earlier source record, or a source in the "
            "database by its URL.",
            "oneOf": [KEY, _object({"url": nonempty})],
        },
        "claimRef": {
            "description": "A claim: the key of an earlier claim record, or a claim in the "
            "database by its statement (case and spacing ignored).",
            "oneOf": [KEY, _object({"statement": nonempty})],
        },
    }


def clean(node: Any, defs: JsonSchema) -> Any:
    """Pydantic's schema of a field as a record shows it: its `$defs` (enums) written out, its
    datetimes as `time` and its UUIDs as `id`, without Pydantic's titles."""
    if isinstance(node, list):
        return [clean(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        # The field's own keywords (its description) win over the definition's.
        named = defs[node["$ref"].removeprefix("#/$defs/")]
        shown = {k: v for k, v in named.items() if k not in ("title", "description")}
        node = {**shown, **{k: v for k, v in node.items() if k != "$ref"}}
    if node.get("type") == "string" and node.get("format") in ("date-time", "uuid"):
        ref = TIME if node["format"] == "date-time" else ID
        node = {"$ref": ref, **{k: v for k, v in node.items() if k not in ("type", "format")}}
    out: JsonSchema = {}
    for key, value in node.items():
        if key == "title":
            continue
        if key == "properties":
            out[key] = {name: clean(field, defs) for name, field in value.items()}
        elif key in DATA:
            out[key] = value
        else:
            out[key] = clean(value, defs)
    return _hoist(out)


def _hoist(node: JsonSchema) -> JsonSchema:
    """`X | None`: what Pydantic says of X inside the `anyOf` (a description, examples), said
    of the field."""
    options = node.get("anyOf")
    if not (isinstance(options, list) and len(options) == 2 and {"type": "null"} in options):
        return node
    value = next(option for option in options if option != {"type": "null"})
    notes = {k: value[k] for k in ("description", "examples") if k in value}
    value = {k: v for k, v in value.items() if k not in notes}
    head = {k: v for k, v in node.items() if k != "anyOf"}
    return {"anyOf": [value, {"type": "null"}], **notes, **head}


def _ordered(field: JsonSchema) -> JsonSchema:
    """A field's keywords in reading order: what it is, its shape, then its default and
    examples."""
    last = ("default", "examples")
    head = {k: field[k] for k in ("description",) if k in field}
    body = {k: v for k, v in field.items() if k not in head and k not in last}
    return head | body | {k: field[k] for k in last if k in field}


def _as_ref(field: Any, ref: RefField) -> Any:
    """The id field's schema with each id in it a ref to a record of the ref's type."""
    if isinstance(field, list):
        return [_as_ref(item, ref) for item in field]
    if not isinstance(field, dict):
        return field
    if field.get("$ref") == ID:
        return {**field, "$ref": f"#/$defs/{ref.target}Ref"}
    return {k: v if k in DATA else _as_ref(v, ref) for k, v in field.items()}


def record(spec: Spec) -> JsonSchema:
    """One record type's schema: `type`, `key`, `id`, the refs the API takes from the path,
    then the `XCreate` schema's fields, each id field replaced by its ref."""
    generated = spec.schema.model_json_schema()
    defs = generated.get("$defs", {})
    required = set(generated.get("required", ()))
    refs = {ref.schema_field: ref for ref in spec.refs if ref.schema_field}
    properties: JsonSchema = {
        "type": {"const": spec.name},
        "key": KEY,
        "id": {"anyOf": [{"$ref": ID}, {"type": "null"}]},
    }
    shown_required = ["type", "key"]
    for path_ref in spec.refs:
        if path_ref.schema_field is None:
            properties[path_ref.name] = {
                "description": PATH_REFS[(spec.name, path_ref.name)],
                "$ref": f"#/$defs/{path_ref.target}Ref",
            }
            if path_ref.required:
                shown_required.append(path_ref.name)
    for field_name, field in generated["properties"].items():
        shown, name = clean(field, defs), field_name
        ref = refs.get(field_name)
        if ref is not None:
            if ref.required != (field_name in required):
                raise ValueError(
                    f"{spec.name}.{ref.name}: the ref says required={ref.required}, "
                    f"{spec.schema.__name__}.{field_name} says {field_name in required}"
                )
            shown, name = _as_ref(shown, ref), ref.name
        if (spec.name, name) in REWORDED:
            shown["description"] = REWORDED[(spec.name, name)]
        elif API_WORDING.search(shown.get("description", "")):
            raise ValueError(
                f"{spec.name}.{name}'s description speaks of the API ({shown['description']!r}):"
                " add its wording for records to REWORDED in docs/ndjson_schema.py"
            )
        properties[name] = _ordered(shown)
        if field_name in required:
            shown_required.append(name)
    return {
        "type": "object",
        "description": RECORDS[spec.name],
        "properties": properties,
        "required": shown_required,
        "additionalProperties": False,
    }


def schema() -> JsonSchema:
    """The whole document: one of the record types, in dependency order."""
    if set(RECORDS) != set(TYPES):
        raise ValueError(f"RECORDS in docs/ndjson_schema.py must describe each of {TYPES}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:claimgraph:ndjson-record",
        "title": "claimgraph NDJSON record",
        "description": DESCRIPTION,
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in TYPES],
        "$defs": fixed_defs() | {name: record(SPECS[name]) for name in TYPES},
    }


def text() -> str:
    """The schema as docs/ndjson.schema.json holds it."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    produced = text()
    if "--write" in sys.argv[1:]:
        SCHEMA_FILE.write_text(produced)
    else:
        sys.stdout.write(produced)


if __name__ == "__main__":
    main()
