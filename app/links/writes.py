"""Creating owned links of one kind, one or many at once: the one write path of a new link, for
the API (a batch of one) and the import (batches).

A link's row is built from its kind's create schema by name: every field the schema and the
table share is copied as it is (enum members as their values); the owner's id, who recorded it
and the audit columns are set here. So a plain new field needs no change here.

A batch is checked against the links' rules (app/links/rules.py), then its stored links are
looked up by their two ends (one statement for one row, else one a chunk of pairs), then each
row is placed: created under an id, or not (a repeat of a link between the same records, alike
in the kind's `distinct_by`). The new rows and their `create` changes (which keep the link's
snapshot) are written by one INSERT each, or, for an import, through its bulk writer (COPY,
held back until the next batch's reads).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.batches import (
    Given,
    NaturalKey,
    NaturalKeys,
    Outcome,
    Part,
    Place,
    Values,
    Write,
    check_rows,
    first_version,
    place_rows,
    refuse_repeats,
    store_created,
)
from app.links.kind import LinkKind, New
from app.links.rules import check_link
from app.models.base import new_id

AnyKind = LinkKind[Any, Any, Any, Any]
# A link's row by column name, values as the database reads them back (UUIDs, aware UTC
# times, plain strings).
LinkValues = Values


@dataclass(frozen=True, slots=True)
class NewLink(Generic[New]):
    """A link to create: its owner's id and its kind's create body."""

    owner_id: uuid.UUID
    data: New


@dataclass(frozen=True, slots=True)
class Layout:
    """A kind's table as its writes use it: its columns, the fields its create schema gives by
    name, and its natural key: the link's two ends, by which stored links are looked up, and
    its `distinct_by` values."""

    table: Table
    columns: tuple[str, ...]
    given: Given
    keys: NaturalKeys


# By the kind's entity (a kind's fields compare as SQL expressions, so it is no dict key).
_LAYOUTS: dict[str, Layout] = {}


def layout(kind: AnyKind) -> Layout:
    """The kind's `Layout`."""
    if kind.entity in _LAYOUTS:
        return _LAYOUTS[kind.entity]
    table = cast(Table, kind.model.__table__)
    key = (kind.owner.key, kind.other.key, *(c.key for c in kind.distinct_by))
    _LAYOUTS[kind.entity] = Layout(
        table=table,
        columns=tuple(table.c.keys()),
        given=Given.of(kind.create_schema, table),
        keys=NaturalKeys.of(table, key, looked_up=2),
    )
    return _LAYOUTS[kind.entity]


def natural_key(kind: AnyKind, values: LinkValues) -> NaturalKey:
    """The link's two ends and its `distinct_by` values (NULLs equal here)."""
    return layout(kind).keys.key_of(values)


def link_values(kind: AnyKind, new: NewLink[Any], *, by: str | None, now: datetime) -> LinkValues:
    """The row of a new link (its id a new one), its schema's fields taken by name; an
    InvalidField if a rule refuses it."""
    values: LinkValues = {kind.owner.key: new.owner_id, **layout(kind).given.values(new.data)}
    check_link(kind, values)
    values.update(id=new_id(), **first_version(by, now))
    return values


async def create_links(
    session: AsyncSession,
    kind: AnyKind,
    batch: Sequence[NewLink[Any]],
    write: Write,
    place: Place = refuse_repeats,
) -> list[Outcome]:
    """Create the links of `batch` that the rules accept and `place` gives an id, with their
    `create` changes; one outcome a row, in order.

    Without `bulk` (the API), a batch with any row refused, or not placed, writes nothing.
    With `bulk` (an import), the rows accepted are written through its writer, held back until
    the next batch's reads (which therefore do not see them). What must follow a link's
    creation (`kind.follow`) is the caller's."""
    by, now, bulk, refused = write.by, write.now, write.bulk, write.refused
    connection = await session.connection()
    outcomes, checked = check_rows(
        batch, lambda new: link_values(kind, new, by=by, now=now), refused
    )
    if bulk is None and len(checked) < len(batch):
        return outcomes
    looked_up = [values for _, values in checked]
    stored = await layout(kind).keys.stored(connection, looked_up) if looked_up else {}
    await write.reads_done()
    created = place_rows(outcomes, checked, stored, lambda values: natural_key(kind, values), place)
    columns = layout(kind).columns
    rows = [tuple(values[name] for name in columns) for values in created]
    await store_created(connection, write, len(batch), Part(kind.model, columns, rows))
    return outcomes
