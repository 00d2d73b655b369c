"""What the set-based creates of the record types share (app/*/writes.py): a new record's row by
column name, built from its create schema, the outcome of each row of a batch, how a caller
places rows, and where an import's rows go. The API creates a batch of one; the import, batches
of thousands."""

import enum
import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any, Protocol, TypeVar, cast, get_args

from pydantic import BaseModel
from sqlalchemy import Column, ColumnElement, Insert, Select, Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.bulk import BulkWriter
from app.db.lookup import chunks, rows_among, uuid_order
from app.db.statements import insert_rows
from app.errors import InvalidField
from app.history.changelog import ChangeLog, Folded
from app.models.base import Base, utcnow

K = TypeVar("K", bound=Hashable)  # a natural key
T = TypeVar("T")  # a batch's row, as the caller gives it
Values = dict[str, Any]  # a row by column name, values as the database reads them back
NaturalKey = tuple[object, ...]


@dataclass(slots=True)
class Outcome:
    """What became of one row of a batch: refused by a rule (`error`), else its row (`values`),
    the records it repeats (`repeats`: stored ones in id order, then one this batch created)
    and whether it was created."""

    error: InvalidField | None = None
    values: Values | None = None
    repeats: list[Values] = field(default_factory=list)
    created: bool = False


class Placed(Protocol):
    """What placing a row records on its outcome (`Outcome`, or a type's own)."""

    repeats: list[Values]
    created: bool


# Decides a checked row's fate: the id to create it under, or None not to create it (a
# repeat). Given its index in the batch, its row and the records it repeats.
Place = Callable[[int, Values, list[Values]], uuid.UUID | None]
# Told of each row a rule refuses, in batch order, before any row is placed.
Refused = Callable[[int, InvalidField], None]


def refuse_repeats(index: int, values: Values, repeats: list[Values]) -> uuid.UUID | None:
    """The API's placement: a new row unless it repeats a stored record (or a row created
    earlier in the batch)."""
    return None if repeats else cast(uuid.UUID, values["id"])


@dataclass(frozen=True, slots=True)
class Bulk:
    """Where an import's rows go: its bulk writer (held back until its next batch's reads)
    and change log. Counters the rows change are the import's to recount at its end."""

    writer: BulkWriter
    changes: ChangeLog


@dataclass(frozen=True, slots=True)
class Write:
    """Who writes a batch and when. An import adds where its rows go (`bulk`; without it, the
    API's INSERTs) and whom to tell of the rows a rule refuses (`refused`), which it reports
    by line instead of refusing the whole batch."""

    by: str | None
    now: datetime = field(default_factory=utcnow)
    bulk: Bulk | None = None
    refused: Refused | None = None

    async def reads_done(self) -> None:
        """An import's batch has made its reads: the previous batch's rows, held back until
        now, go to the database while this batch's rows are placed."""
        if self.bulk is not None:
            await self.bulk.writer.start()


def _holds_enums(annotation: object) -> bool:
    """Whether a field so annotated may hold enum members."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return True
    return any(_holds_enums(arg) for arg in get_args(annotation))


def plain(value: object) -> object:
    """Enum members as their values (the database's and the comparisons' form)."""
    return value.value if isinstance(value, enum.Enum) else value


@dataclass(frozen=True, slots=True)
class Given:
    """The fields a create schema gives its table's row by name: every field the two share,
    copied as it is (enum members as their values). So a plain new field of a record needs no
    change in its write."""

    names: tuple[str, ...]
    enums: tuple[str, ...]  # those that may hold enum members
    # (one call reads every field, not one a field, on every row)
    read: Callable[[BaseModel], Any]

    @classmethod
    def of(cls, schema: type[BaseModel], table: Table) -> "Given":
        """The fields `schema` and `table` share."""
        names = tuple(name for name in schema.model_fields if name in table.c)
        fields = schema.model_fields
        enums = tuple(name for name in names if _holds_enums(fields[name].annotation))
        read = attrgetter(*names) if len(names) > 1 else (lambda data: (getattr(data, names[0]),))
        return cls(names, enums, read)

    def values(self, data: BaseModel) -> Values:
        """`data`'s given fields by column name."""
        values: Values = dict(zip(self.names, self.read(data), strict=True))
        for name in self.enums:
            values[name] = plain(values[name])
        return values


def first_version(by: str | None, now: datetime, *, by_column: str = "created_by") -> Values:
    """A new record's audit columns: who recorded it, when, and its version (1)."""
    return {by_column: by, "created_at": now, "updated_at": now, "version": 1}


@dataclass(frozen=True, slots=True)
class NaturalKeys:
    """A table's natural key (two or more columns; NULLs equal) and how its stored rows are
    found by it: for one row by the whole key, for many by the key's first `looked_up`
    columns (ids; one statement a chunk), the rest compared here."""

    table: Table
    columns: tuple[str, ...]  # the table's
    key: tuple[str, ...]
    looked_up: int
    key_of: Callable[[Values], NaturalKey]  # a row's key, from its values by name
    key_at: Callable[[Sequence[object]], NaturalKey]  # from a row of `select(table)`
    one: Select[Any]  # the statement for one row: built once, as a request runs it

    @classmethod
    def of(cls, table: Table, key: tuple[str, ...], *, looked_up: int) -> "NaturalKeys":
        """`table`'s natural key `key`, looked up by its first `looked_up` columns."""
        columns = tuple(table.c.keys())
        one = select(table).where(*(_same(table.c[name]) for name in key))
        at = itemgetter(*(columns.index(name) for name in key))
        return cls(table, columns, key, looked_up, itemgetter(*key), at, one)

    async def stored(
        self, connection: AsyncConnection, rows: Sequence[Values]
    ) -> dict[NaturalKey, list[Values]]:
        """The stored rows with these rows' natural keys, by key, each key's in id order: one
        statement for one row, else one a chunk of the looked-up columns' values."""
        wanted = {self.key_of(values) for values in rows}
        if len(rows) == 1:
            statements = [(self.one, {name: rows[0][name] for name in self.key})]
        else:
            columns = [self.table.c[name] for name in self.key[: self.looked_up]]
            dialect = connection.dialect.name
            parts = sorted({key[: self.looked_up] for key in wanted}, key=uuid_order)
            statements = [
                (select(self.table).where(rows_among(dialect, columns, part)), {})
                for part in chunks(parts)
            ]
        found: dict[NaturalKey, list[Values]] = defaultdict(list)
        for statement, params in statements:
            for row in await connection.execute(statement, params):
                key = self.key_at(row)
                if key in wanted:
                    found[key].append(dict(zip(self.columns, row, strict=True)))
        for same in found.values():
            same.sort(key=_id_order)
        return found


def _same(column: Column[Any]) -> ColumnElement[bool]:
    """`column` holds its parameter's value (NULL: is NULL)."""
    value = bindparam(column.key, type_=column.type)
    return column.is_not_distinct_from(value) if column.nullable else column == value


def _id_order(values: Values) -> int:
    return cast(uuid.UUID, values["id"]).int


def place_rows(
    outcomes: Sequence[Placed],
    checked: Iterable[tuple[int, Values]],
    stored: Mapping[K, list[Values]],
    key_of: Callable[[Values], K],
    place: Place,
) -> list[Values]:
    """Each checked row (by its index in the batch) placed: its repeats are the stored
    records with its natural key, then the row this batch created with it, if any; `place`
    gives its id or leaves it uncreated. The rows created, in batch order."""
    created: list[Values] = []
    earlier: dict[K, Values] = {}  # the rows this batch created, by key
    for i, values in checked:
        outcome = outcomes[i]
        key = key_of(values)
        # (nothing stored, as for most rows of a new import: the key is not hashed for it)
        repeats = stored.get(key, []) if stored else []
        made = earlier.get(key)  # (a key's hash is not kept: each lookup hashes its ids again)
        if made is not None:
            repeats = [*repeats, made]
        outcome.repeats = repeats
        chosen = place(i, values, repeats)
        if chosen is not None:
            values["id"] = chosen
            outcome.created = True
            created.append(values)
            earlier[key] = values
    return created


def check_rows(
    batch: Sequence[T], build: Callable[[T], Values], refused: Refused | None = None
) -> tuple[list[Outcome], list[tuple[int, Values]]]:
    """Each row of the batch built by `build`, which raises InvalidField when a rule refuses
    it: one outcome a row, in order (`refused` told of each refusal), and the rows accepted
    with their index in the batch."""
    outcomes: list[Outcome] = []
    checked: list[tuple[int, Values]] = []
    for i, new in enumerate(batch):
        try:
            values = build(new)
        except InvalidField as exc:
            outcomes.append(Outcome(error=exc))
            if refused is not None:
                refused(i, exc)
            continue
        outcomes.append(Outcome(values=values))
        checked.append((i, values))
    return outcomes, checked


@dataclass(frozen=True, slots=True)
class Part:
    """Rows a batch creates in one table: its model, its columns, the rows in their order."""

    model: type[Base]
    columns: Sequence[str]
    rows: Sequence[tuple[Any, ...]]


@functools.cache
def _insert(model: type[Base]) -> Insert:
    return insert(cast(Table, model.__table__))


async def store_created(
    connection: AsyncConnection,
    write: Write,
    size: int,
    records: Part,
    *parts: Part,
    folded: list[Folded] | None = None,
) -> bool:
    """Write a batch's new `records` with their `create` changes (`folded`: what each keeps
    in other tables, for its snapshot), and the rows of theirs in other tables (`parts`):
    through an import's bulk writer, held back until its next batch's reads, or as the
    API's INSERTs on the connection. The API's batch (of `size` rows) is written whole or
    not at all. Whether the rows were written."""
    if write.bulk is None and len(records.rows) < size:
        return False
    if write.bulk is not None:
        writer, changes = write.bulk.writer, write.bulk.changes
        await writer.insert_values(records.model, records.columns, records.rows, defer=True)
        await changes.created_values(
            records.model, records.columns, records.rows, folded, defer=True
        )
        for part in parts:
            await writer.insert_values(part.model, part.columns, part.rows, defer=True)
        return True
    for part in (records, *parts):
        params = [dict(zip(part.columns, row, strict=True)) for row in part.rows]
        await insert_rows(connection, _insert(part.model), params)
    changes = ChangeLog(None, write.now)
    await changes.write(connection, records.model, records.columns, records.rows, folded)
    return True
