"""One NDJSON line parsed into a record, and checked by the same schemas and rules as the API.

A line is `{"type": ..., "key": ..., "id"?: ..., <fields>, <refs>}`. The fields are validated
by the resource's own `XCreate` schema, with each ref standing in for the id field it replaces
(`publisher` for `publisher_id`, ...), so an import accepts exactly what the API accepts. What
needs the database (refs, natural-key matches, quotes against a source's text) is checked later,
batch by batch.
"""

import uuid

from pydantic import ValidationError

from app.errors import InvalidField
from app.ingest.records import NOTHING, AnyRecord, LineError, NaturalRef, Record, Ref, Spec
from app.sources.urls import InvalidURL, normalize_url
from app.transfer.specs import ID_FIELDS, NULL_MEANS_ABSENT, OPTIONAL, RENAMED, SPECS, TYPES
from app.vocabulary import ActorKind

MAX_KEY = 400
PLACEHOLDER = uuid.UUID(int=0)
# A file's lines of one type mostly give the same fields: each distinct set of field names is
# kept once and shared by the records that give it (a batch in flight holds thousands), up to
# this many sets, so that no input grows the table without bound.
SHARED_FIELD_SETS = 4096
_field_sets: dict[frozenset[str], frozenset[str]] = {}


def _shared(names: frozenset[str]) -> frozenset[str]:
    """The one copy of this set of field names, where one is kept."""
    kept = _field_sets.get(names)
    if kept is not None:
        return kept
    if len(_field_sets) < SHARED_FIELD_SETS:
        _field_sets[names] = names
    return names


def _error(line: int, field: str, message: str, type: str) -> list[LineError]:
    return [LineError(line, field, message, type)]


def _natural_ref(target: str, value: dict[str, object]) -> NaturalRef:
    """The natural key a ref object names, or ValueError saying what is wrong with it."""
    if target == "actor":
        if set(value) == {"external_id"} and isinstance(value["external_id"], dict):
            pairs = list(value["external_id"].items())
            if len(pairs) == 1 and all(isinstance(v, str) and v.strip() for v in pairs[0]):
                return NaturalRef("external_id", pairs[0][0].strip().lower(), pairs[0][1].strip())
        elif (
            set(value) == {"kind", "name"}
            and isinstance(value["name"], str)
            and value["name"].strip()
            and isinstance(value["kind"], str)
            and value["kind"] in ActorKind.__members__
        ):
            return NaturalRef("kind_name", value["kind"], value["name"].strip())
        raise ValueError(
            'an actor ref object is {"external_id": {"<scheme>": "<id>"}} or '
            '{"kind": "<actor kind>", "name": "<name>"}'
        )
    if target == "source":
        if set(value) == {"url"} and isinstance(value["url"], str):
            try:
                return NaturalRef("url", normalize_url(value["url"]))
            except InvalidURL as exc:
                raise ValueError(f"url: {exc}") from exc
        raise ValueError('a source ref object is {"url": "<url>"}')
    if (
        set(value) == {"statement"}
        and isinstance(value["statement"], str)
        and value["statement"].strip()
    ):
        return NaturalRef("statement", value["statement"])
    raise ValueError('a claim ref object is {"statement": "<statement>"}')


def _ref(target: str, value: object) -> Ref:
    if isinstance(value, str):
        if not value or len(value) > MAX_KEY:
            raise ValueError(f"a key is a string of 1 to {MAX_KEY} characters")
        return value
    if isinstance(value, dict):
        return _natural_ref(target, value)
    raise ValueError(f"must be the key of an earlier {target} record or a natural-key object")


def _parse_refs(
    spec: Spec, body: dict[str, object], line: int, errors: list[LineError]
) -> dict[str, Ref | list[Ref] | None]:
    """Take the refs out of `body`, leaving a placeholder id in the schema field."""
    refs: dict[str, Ref | list[Ref] | None] = {}
    for rf in spec.refs:
        raw = body.pop(rf.name, None)
        if rf.many:
            items = [] if raw is None else raw
            if not isinstance(items, list):
                errors.append(LineError(line, rf.name, "must be a list of refs", "list_type"))
                continue
            parsed: list[Ref] = []
            for i, item in enumerate(items):
                try:
                    parsed.append(_ref(rf.target, item))
                except ValueError as exc:
                    errors.append(LineError(line, f"{rf.name}.{i}", str(exc), "invalid-ref"))
            refs[rf.name] = parsed
            if rf.schema_field:
                body[rf.schema_field] = [PLACEHOLDER] * len(items)
        elif raw is None:
            if rf.required:
                errors.append(LineError(line, rf.name, "Field required", "missing"))
            refs[rf.name] = None
        else:
            try:
                refs[rf.name] = _ref(rf.target, raw)
            except ValueError as exc:
                errors.append(LineError(line, rf.name, str(exc), "invalid-ref"))
            if rf.schema_field:
                body[rf.schema_field] = PLACEHOLDER
    return refs


def _validation_errors(spec: Spec, exc: ValidationError, line: int) -> list[LineError]:
    renamed = RENAMED[spec.name]
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        if loc:
            loc[0] = renamed.get(loc[0], loc[0])
        out.append(LineError(line, ".".join(loc), err["msg"], err["type"]))
    return out


def parse(line: int, obj: object) -> AnyRecord | list[LineError]:
    """The record on this line, or every problem with it that needs no database to find."""
    if not isinstance(obj, dict):
        return _error(line, "", "a record must be a JSON object", "model_type")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in SPECS:
        return _error(line, "type", f"must be one of {', '.join(TYPES)}", "literal_error")
    spec = SPECS[kind]
    errors: list[LineError] = []
    key = obj.get("key")
    if not isinstance(key, str) or not key or len(key) > MAX_KEY:
        errors.append(
            LineError(line, "key", f"must be a string of 1 to {MAX_KEY} characters", "key")
        )
    record_id: uuid.UUID | None = None
    if obj.get("id") is not None:
        try:
            record_id = uuid.UUID(str(obj["id"]))
        except ValueError:
            errors.append(LineError(line, "id", "must be a UUID", "uuid_parsing"))
    body = obj  # a freshly decoded line: taken apart in place
    del body["type"]
    body.pop("key", None)
    body.pop("id", None)
    nulls = [k for k, v in body.items() if v is None]
    present = frozenset(body)
    if nulls:
        present = present - NULL_MEANS_ABSENT[kind].intersection(nulls)
        optional = OPTIONAL[kind]
        for name in nulls:
            if name in optional:
                del body[name]
    if not ID_FIELDS[kind].isdisjoint(body):
        for name in sorted(ID_FIELDS[kind] & body.keys()):
            message = "Extra inputs are not permitted (use its ref)"
            errors.append(LineError(line, name, message, "extra_forbidden"))
    refs = _parse_refs(spec, body, line, errors)
    try:
        data = spec.schema.model_validate(body)
    except ValidationError as exc:
        return errors + _validation_errors(spec, exc, line)
    derived = NOTHING
    if spec.check is not None:
        try:
            derived = spec.check(data) or NOTHING
        except InvalidField as exc:
            errors.extend(LineError(line, e.field, e.message, e.type) for e in exc.errors)
    if errors:
        return errors
    assert isinstance(key, str)
    return Record(line, kind, key, record_id, data, _shared(present), refs, derived)
