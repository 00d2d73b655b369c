"""What the history holds of a record: its snapshot's fields, their values as JSON, and
whether a create's snapshot can be left out because reading the record back gives it
(`derivable`). Shared by the recorder (the ORM's writes) and the change log (set-based
creates)."""

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import DateTime, Float, Integer, Uuid, inspect
from sqlalchemy.orm import Mapper

from app.models import (
    Actor,
    Affiliation,
    Citation,
    Claim,
    ClaimRelation,
    Source,
    Stance,
)

ENTITIES: dict[type, str] = {
    Actor: "actor",
    Affiliation: "affiliation",
    Citation: "citation",
    Claim: "claim",
    ClaimRelation: "claim_relation",
    Source: "source",
    Stance: "stance",
}
# Sub-record collections folded into their owner's snapshot: attribute -> (field, value of);
# each reads its own kind of sub-record (alias, external id, author, tag, subject).
COLLECTIONS: dict[str, tuple[str, Callable[[Any], object]]] = {
    "aliases": ("aliases", lambda a: a.alias),
    "external_ids": ("external_ids", lambda e: (e.scheme, e.value)),
    "authors": ("author_ids", lambda a: str(a.actor_id)),
    "tags": ("tags", lambda t: t.tag),
    "subjects": ("about_actor_ids", lambda s: str(s.actor_id)),
}
SKIPPED = frozenset({"created_at", "updated_at", "version", "text"})
# Sub-records read back in the order of their `position`.
POSITIONED = frozenset({"aliases", "authors", "subjects"})
# Links that their owner's deletion removes in the database, leaving no change of their own
# to read their last state from: their creates keep the snapshot. (A source's deletion stores
# its citations' first, app/sources/service.py, so theirs need not be kept.)
KEPT = frozenset({"affiliation", "claim_relation"})
# A tag list that any collation orders as Python sorts it.
PLAIN_TAG = re.compile(r"[a-z0-9]+")

# A record's fields as the history holds them (JSON values).
Snapshot = dict[str, object]


def json_value(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def fields_of(model: type) -> tuple[str, ...]:
    """A record's snapshot fields, in the order the recorder writes them."""
    mapper: Mapper[Any] = inspect(model)
    columns = [attr.key for attr in mapper.column_attrs if attr.key not in SKIPPED]
    folded = [field for name, (field, _) in COLLECTIONS.items() if name in mapper.relationships]
    return (*columns, *folded)


class Kinds(NamedTuple):
    """A record's column fields grouped by the kind of value the database reads back."""

    text: tuple[str, ...]
    uuid: tuple[str, ...]  # read back as UUIDs; a snapshot holds them as strings
    float: tuple[str, ...]
    int: tuple[str, ...]
    time: tuple[str, ...]


def _kinds(model: type) -> Kinds:
    """The record's snapshot fields that are columns, by the kind of value each reads back."""
    kinds: dict[str, list[str]] = {name: [] for name in Kinds._fields}
    mapper: Mapper[Any] = inspect(model)
    for attr in mapper.column_attrs:
        if attr.key in SKIPPED:
            continue
        column_type = attr.columns[0].type
        if isinstance(column_type, Float):
            kinds["float"].append(attr.key)
        elif isinstance(column_type, Integer):
            kinds["int"].append(attr.key)
        elif isinstance(getattr(column_type, "impl", column_type), DateTime):
            kinds["time"].append(attr.key)
        elif isinstance(column_type, Uuid):
            kinds["uuid"].append(attr.key)
        else:
            kinds["text"].append(attr.key)
    return Kinds(**{name: tuple(keys) for name, keys in kinds.items()})


FIELDS: dict[str, tuple[str, ...]] = {name: fields_of(model) for model, name in ENTITIES.items()}
KINDS: dict[str, Kinds] = {name: _kinds(model) for model, name in ENTITIES.items()}
UTC_OFFSET = timedelta(0)
# What a UUID field may hold: a UUID as the database reads it back, or its string (the
# recorder's snapshots hold strings; the change log asks before converting, see changelog).
ID_TYPES = (str, uuid.UUID)


def derivable(entity: str, after: Snapshot) -> bool:
    """Whether the record as created, `after`, is what reading the record back gives (so the
    create need not store it): every field present, in order, each value as the database
    returns it (UTC times, floats as floats; a UUID as a UUID or its string), sub-records in
    the order they load in. The caller vouches that positioned sub-records (aliases, authors,
    subjects) are in position order."""
    if entity in KEPT or tuple(after) != FIELDS[entity]:
        return False
    # Asked of every record an import creates: each kind's fields checked in a plain loop.
    kinds = KINDS[entity]
    for key in kinds.text:
        value = after[key]
        if value is not None and not isinstance(value, str):
            return False
    for key in kinds.uuid:
        value = after[key]
        if value is not None and not isinstance(value, ID_TYPES):
            return False
    for key in kinds.float:
        value = after[key]
        if value is not None and type(value) is not float:
            return False
    for key in kinds.int:
        value = after[key]
        if value is not None and type(value) is not int:
            return False
    for key in kinds.time:
        value = after[key]
        if value is None:
            continue
        if isinstance(value, datetime):
            if value.utcoffset() != UTC_OFFSET:
                return False
        elif not (isinstance(value, str) and value.endswith("+00:00")):
            return False
    if "external_ids" in after:  # loaded in no defined order: one at most
        value = after["external_ids"]
        if not isinstance(value, dict) or len(value) > 1:
            return False
    if "tags" in after:  # loaded ordered by the database's collation
        tags = cast(list[str], after["tags"])
        if tags != sorted(tags) or not all(PLAIN_TAG.fullmatch(t) for t in tags):
            return False
    return True
