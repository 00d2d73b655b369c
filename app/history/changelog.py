"""The change history of records written without the ORM.

Rows written as Core or bulk inserts bypass the ORM, and so the history recorder's flush
listener: their writers record the `create` changes themselves, in the same transaction and in
the recorder's own shape (the record's columns but the audit ones, UUIDs as strings, times in
ISO 8601, sub-records folded in), so the history and the change feed show them like any other.
Like the recorder, it stores no snapshot when the record as created can be read back (nearly
always: see snapshots.derivable; positioned sub-records are in position order here).
(Records changed through the ORM are recorded by the recorder as usual.)
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple, cast

import orjson
from sqlalchemy import Table, Uuid, insert, inspect
from sqlalchemy.ext.asyncio import AsyncConnection

from app.context import current_request_id, current_writer
from app.db.bulk import BulkWriter, Values
from app.db.statements import insert_rows
from app.history.snapshots import ENTITIES, SKIPPED, Snapshot, derivable, json_value
from app.models import Base, Change, ChangeBatch

# What the recorder folds into a record's snapshot: its sub-records (lists, a mapping).
Folded = dict[str, list[str] | dict[str, str]]


class Layout(NamedTuple):
    """Where a record's snapshot fields sit in an inserted row."""

    names: tuple[str, ...]  # the snapshot's field names, in order
    values: Callable[[Values], tuple[object, ...]]  # their values in a row, in that order
    uuids: tuple[str, ...]  # those of them that are UUIDs


# The layouts by model and inserted columns: the same few, asked for on every write.
_LAYOUTS: dict[tuple[type[Base], tuple[str, ...]], Layout] = {}


INSERT_CHANGE = insert(cast(Table, Change.__table__))
INSERT_BATCH = insert(cast(Table, ChangeBatch.__table__))


class ChangeRow(NamedTuple):
    """A row of `changes` as a writer inserts it (`after` as the recorder's snapshot)."""

    entity: str
    entity_id: uuid.UUID | str
    version: int
    action: str
    batch_id: int | None
    at: datetime
    after: Snapshot | None


def dashed(hex_id: str) -> str:
    """32 hex digits as a canonical UUID string."""
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


def _layout(model: type[Base], columns: Sequence[str]) -> Layout:
    """The snapshot's fields in a row of these columns (of the model's table)."""
    key = (model, tuple(columns))
    if key not in _LAYOUTS:
        names: list[str] = []
        positions: list[int] = []
        uuids: list[str] = []
        for attr in inspect(model).column_attrs:
            if attr.key in SKIPPED:
                continue
            if isinstance(attr.columns[0].type, Uuid):
                uuids.append(attr.key)
            names.append(attr.key)
            positions.append(columns.index(attr.key))
        # (itemgetter of one position gives the value itself, not a 1-tuple)
        values = itemgetter(*positions) if len(positions) > 1 else _one_of(positions[0])
        _LAYOUTS[key] = Layout(tuple(names), values, tuple(uuids))
    return _LAYOUTS[key]


def _one_of(position: int) -> Callable[[Values], tuple[object, ...]]:
    return lambda row: (row[position],)


def _id_string(value: object) -> str:
    """A UUID, or 32 hex digits, as the recorder writes an id."""
    return str(value) if isinstance(value, uuid.UUID) else dashed(str(value))


class ChangeLog:
    """Makes, and with a bulk writer writes, a `create` change for each row inserted."""

    def __init__(self, writer: BulkWriter | None, now: datetime) -> None:
        self.writer = writer
        self.now = now
        self.who = current_writer.get()
        self.request = current_request_id.get()
        self._batch_id: int | None = None

    async def batch_id(self, connection: AsyncConnection) -> int | None:
        """The batch naming this log's writer and request, inserted on first use: one for all
        the changes the log writes (None if neither is known)."""
        if self._batch_id is None and (self.who is not None or self.request is not None):
            if self.writer is not None:
                await self.writer.settle()  # rows may be in flight on the connection
            made = await connection.execute(
                INSERT_BATCH.values(writer=self.who, request_id=self.request).returning(
                    ChangeBatch.id
                )
            )
            self._batch_id = made.scalar_one()
        return self._batch_id

    def snapshots(
        self,
        model: type[Base],
        columns: Sequence[str],
        rows: Sequence[Values],
        folded: list[Folded] | None = None,
    ) -> list[Snapshot | None]:
        """Each row's stored snapshot, None where the history reads the record back (values
        in the order of `columns`); `folded` gives each row's sub-records as the recorder
        folds them in (aliases, author_ids, tags, ...)."""
        if not rows:
            return []
        names, values_of, uuids = _layout(model, columns)
        entity = ENTITIES[model]
        stored: list[Snapshot | None] = []
        for i, row in enumerate(rows):
            # UUIDs as they are: `derivable` takes them so, and most snapshots are not stored.
            after: Snapshot = dict(zip(names, values_of(row), strict=True))
            if folded is not None:
                after.update(folded[i])
            stored.append(None if derivable(entity, after) else _stored(after, uuids))
        return stored

    def changes(
        self,
        model: type[Base],
        columns: Sequence[str],
        rows: Sequence[Values],
        folded: list[Folded] | None = None,
        batch_id: int | None = None,
    ) -> list[ChangeRow]:
        """The `create` changes of these rows (the id first of their values), their
        snapshots as in `snapshots`."""
        entity = ENTITIES[model]
        afters = self.snapshots(model, columns, rows, folded)
        return [
            ChangeRow(entity, row[0], 1, "create", batch_id, self.now, after)  # type: ignore[arg-type]
            for row, after in zip(rows, afters, strict=True)
        ]

    async def write(
        self,
        connection: AsyncConnection,
        model: type[Base],
        columns: Sequence[str],
        rows: Sequence[Values],
        folded: list[Folded] | None = None,
    ) -> None:
        """The `create` changes of these rows (as in `changes`), written by one INSERT on
        the connection: a request's write, where no bulk writer holds rows back."""
        if not rows:
            return
        batch_id = await self.batch_id(connection)
        changes = self.changes(model, columns, rows, folded, batch_id)
        await insert_rows(connection, INSERT_CHANGE, [change._asdict() for change in changes])

    async def created_values(
        self,
        model: type[Base],
        columns: Sequence[str],
        rows: Sequence[Values],
        folded: list[Folded] | None = None,
        *,
        defer: bool = False,
    ) -> None:
        """`created` for rows given as values in the order of `columns`."""
        assert self.writer is not None
        if not rows:
            return
        batch_id = await self.batch_id(await self.writer.session.connection())
        entity, now = ENTITIES[model], self.now
        afters = self.snapshots(model, columns, rows, folded)
        # As ChangeRow's fields; COPY and executemany take the snapshot as JSON text.
        encoded = [
            (entity, row[0], 1, "create", batch_id, now, _json(after))
            for row, after in zip(rows, afters, strict=True)
        ]
        await self.writer.insert_values(Change, ChangeRow._fields, encoded, defer=defer)


def _stored(after: Snapshot, uuids: Sequence[str]) -> Snapshot:
    """The snapshot as the recorder stores one: ids as canonical UUID strings, every value
    JSON-ready (times in ISO 8601), for a Core INSERT as for COPY."""
    for key in uuids:
        if after[key] is not None:
            after[key] = _id_string(after[key])
    return {key: json_value(value) for key, value in after.items()}


def _json(after: Mapping[str, object] | None) -> str | None:
    return None if after is None else orjson.dumps(after).decode()
