"""The records as created, for creates that store no snapshot (see app/history/recorder.py).

A create's `after` is the record as it stood until its next change: that change's `before`,
or, if it has none, the record as it is now. A page of changes is completed in a few queries,
whatever its length: the current records first, then the later changes (so that a change
committed in between is seen, and its `before` used, rather than missed).
"""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, selectinload

from app.history.recorder import COLLECTIONS, ENTITIES, Record, Snapshot, _snapshot
from app.models import Change

MODELS: dict[str, type] = {name: model for model, name in ENTITIES.items()}


def jsonb_order(snapshot: Snapshot) -> Snapshot:
    """The snapshot with its keys in the order PostgreSQL's jsonb keeps them (shorter keys
    first, then bytewise), as a stored snapshot reads back there."""
    items = sorted(snapshot.items(), key=lambda item: (len(item[0].encode()), item[0].encode()))
    return {k: jsonb_order(v) if isinstance(v, dict) else v for k, v in items}


async def current_snapshots(
    session: AsyncSession, entity: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Snapshot]:
    """The records with these ids as they are now, as the recorder snapshots them."""
    model = MODELS[entity]
    mapper: Mapper[Any] = inspect(model)
    loads = [
        selectinload(getattr(model, name)) for name in COLLECTIONS if name in mapper.relationships
    ]
    stmt: Select[Any] = (
        select(model)
        .where(model.id.in_(ids))  # type: ignore[attr-defined]
        .options(*loads)
        .execution_options(populate_existing=True)
    )
    records: Sequence[Record] = (await session.scalars(stmt)).all()
    ordered = session.get_bind().dialect.name == "postgresql"
    out = {}
    for record in records:
        snapshot = _snapshot(record, before=False)
        out[record.id] = jsonb_order(snapshot) if ordered else snapshot
    return out


async def created_afters(session: AsyncSession, rows: Sequence[Change]) -> dict[int, Snapshot]:
    """For each create among `rows` that stores no `after`, by change id: the record as
    created."""
    wanted: dict[str, dict[uuid.UUID, int]] = {}
    for row in rows:
        if row.action == "create" and row.after is None:
            wanted.setdefault(row.entity, {})[row.entity_id] = row.id
    found: dict[int, Snapshot] = {}
    for entity, creates in wanted.items():
        now = await current_snapshots(session, entity, list(creates))
        later = await session.execute(
            select(Change.entity_id, Change.id)
            .where(
                Change.entity == entity,
                Change.entity_id.in_(list(creates)),
                Change.id > min(creates.values()),
            )
            .order_by(Change.id)
        )
        first: dict[uuid.UUID, int] = {}
        for entity_id, change_id in later.all():
            if entity_id not in first and change_id > creates[entity_id]:
                first[entity_id] = change_id
        if first:
            befores = await session.execute(
                select(Change.id, Change.before).where(Change.id.in_(list(first.values())))
            )
            before_of = {i: b for i, b in befores.all()}
        for entity_id, create_id in creates.items():
            if entity_id in first:
                before = before_of[first[entity_id]]
                if before is not None:
                    found[create_id] = before
            elif entity_id in now:
                found[create_id] = now[entity_id]
    return found
