"""How the export reads: keyset batches in one snapshot, sub-records grouped by owner, source
texts in groups of bounded size, values in their NDJSON form."""

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from app.models import Source

BATCH = 1000
TEXT_BATCH_CHARS = 8_000_000  # source texts fetched at most this many characters at a time
Rows = Sequence[Row[*tuple[Any, ...]]]
Column = QueryableAttribute[Any] | ColumnElement[Any]  # a column to read


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def ref(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


async def snapshot(session: AsyncSession) -> None:
    """Make every read of this session see one consistent state of the database (on
    SQLite every transaction does: its reads share one WAL snapshot)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))


async def batches(
    session: AsyncSession,
    columns: Sequence[Column],
    id_column: Column,
    where: ColumnElement[bool] | None,
) -> AsyncIterator[Rows]:
    """The rows in id order, a batch at a time (keyset pagination)."""
    after: uuid.UUID | None = None
    while True:
        stmt = select(*columns).order_by(id_column).limit(BATCH)
        if where is not None:
            stmt = stmt.where(where)
        if after is not None:
            stmt = stmt.where(id_column > after)
        rows = list((await session.execute(stmt)).all())
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def grouped(
    session: AsyncSession,
    owner: Column,
    values: Sequence[Column],
    ids: Sequence[uuid.UUID],
    order: Column,
) -> dict[uuid.UUID, list[Any]]:
    """The sub-records of these owners (`values` of the rows whose `owner` column is one of
    `ids`; a value alone, or a tuple of them), by owner, in `order`."""
    out: dict[uuid.UUID, list[Any]] = defaultdict(list)
    stmt = select(owner, *values).where(owner.in_(ids)).order_by(owner, order)
    for key, *found in await session.execute(stmt):
        out[key].append(found[0] if len(found) == 1 else tuple(found))
    return out


async def source_texts(session: AsyncSession, rows: Rows) -> dict[uuid.UUID, str]:
    """The texts of these sources, fetched in groups of bounded size."""
    texts: dict[uuid.UUID, str] = {}
    group: list[uuid.UUID] = []
    size = 0
    for row in [r for r in rows if r.text_length is not None] + [None]:
        if row is not None and (not group or size + row.text_length <= TEXT_BATCH_CHARS):
            group.append(row.id)
            size += row.text_length
            continue
        if group:
            found = await session.execute(
                select(Source.id, Source.text).where(Source.id.in_(group))
            )
            texts.update((ident, value) for ident, value in found if value is not None)
        if row is not None:
            group, size = [row.id], row.text_length
    return texts
