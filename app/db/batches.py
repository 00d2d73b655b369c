"""What the set-based creates of the record types share (app/*/writes.py): a row by column
name, the outcome of each row of a batch, how a caller places rows, and where an import's
rows go. The API creates a batch of one; the import, batches of thousands."""

import functools
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Insert, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.bulk import BulkWriter
from app.db.statements import insert_rows
from app.errors import InvalidField
from app.history.changelog import ChangeLog, Folded
from app.models.base import Base, utcnow

K = TypeVar("K", bound=Hashable)  # a natural key
T = TypeVar("T")  # a batch's row, as the caller gives it
Values = dict[str, Any]  # a row by column name, values as the database reads them back


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
