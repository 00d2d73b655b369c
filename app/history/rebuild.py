"""The records as created, for creates that store no snapshot (see app/history/recorder.py).

A create's `after` is the record as it stood until its next change: that change's `before`,
or, if it has none, the record as it is now. A page of changes is completed in a few queries,
whatever its length: the current records first, then the later changes (so that a change
committed in between is seen, and its `before` used, rather than missed).
"""

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Column, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.history.snapshots import ENTITIES, FIELDS, Snapshot, json_value
from app.models import (
    ActorAlias,
    ActorExternalId,
    Change,
    ClaimSubject,
    ClaimTag,
    SourceAuthor,
)

MODELS: dict[str, type] = {name: model for model, name in ENTITIES.items()}


def _c(model: type, name: str) -> Column[Any]:
    return cast(Column[Any], model.__table__.c[name])  # type: ignore[attr-defined]


def jsonb_order(snapshot: Snapshot) -> Snapshot:
    """The snapshot with its keys in the order PostgreSQL's jsonb keeps them (shorter keys
    first, then bytewise), as a stored snapshot reads back there."""
    items = sorted(snapshot.items(), key=lambda item: (len(item[0].encode()), item[0].encode()))
    return {k: jsonb_order(v) if isinstance(v, dict) else v for k, v in items}


# Each sub-record field as the recorder folds it in (recorder.COLLECTIONS): its table's owner
# column, value columns, and the order its relationship loads in (none for external ids,
# which a create stores no snapshot of when it has more than one).
SUBRECORDS: dict[str, tuple[Column[Any], tuple[Column[Any], ...], Column[Any] | None]] = {
    "aliases": (_c(ActorAlias, "actor_id"), (_c(ActorAlias, "alias"),), _c(ActorAlias, "position")),
    "external_ids": (
        _c(ActorExternalId, "actor_id"),
        (_c(ActorExternalId, "scheme"), _c(ActorExternalId, "value")),
        None,
    ),
    "tags": (_c(ClaimTag, "claim_id"), (_c(ClaimTag, "tag"),), _c(ClaimTag, "tag")),
    "about_actor_ids": (
        _c(ClaimSubject, "claim_id"),
        (_c(ClaimSubject, "actor_id"),),
        _c(ClaimSubject, "position"),
    ),
    "author_ids": (
        _c(SourceAuthor, "source_id"),
        (_c(SourceAuthor, "actor_id"),),
        _c(SourceAuthor, "position"),
    ),
}


async def current_snapshots(
    session: AsyncSession, entity: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Snapshot]:
    """The records with these ids as they are now, as the recorder snapshots them (read with
    plain SELECTs: an ORM object and its attribute history cost a millisecond a record)."""
    table = MODELS[entity].__table__  # type: ignore[attr-defined]
    fields = FIELDS[entity]
    columns = [table.c[name] for name in fields if name in table.c]
    out: dict[uuid.UUID, Snapshot] = {}
    for row in await session.execute(select(*columns).where(table.c.id.in_(ids))):
        out[row[0]] = {c.key: json_value(v) for c, v in zip(columns, row, strict=True)}
    for field in fields[len(columns) :]:
        owner, values, order = SUBRECORDS[field]
        stmt = select(owner, *values).where(owner.in_(ids))
        if order is not None:
            stmt = stmt.order_by(owner, order)
        folded: dict[uuid.UUID, list[object]] = {ident: [] for ident in out}
        for row in await session.execute(stmt):
            if row[0] in folded:
                folded[row[0]].append(tuple(row[1:]) if len(values) > 1 else json_value(row[1]))
        for ident, items in folded.items():
            out[ident][field] = (
                dict(cast(list[tuple[str, str]], items)) if field == "external_ids" else items
            )
    if session.get_bind().dialect.name == "postgresql":
        return {ident: jsonb_order(snapshot) for ident, snapshot in out.items()}
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
            # (No `id >` bound: the planner would walk the primary key from it.)
            .where(Change.entity == entity, Change.entity_id.in_(list(creates)))
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


async def keep_created(session: AsyncSession, entity: str, ids: Sequence[uuid.UUID]) -> None:
    """Store the record as created in each create of these records that stores none and that
    no later change follows, read back from the record now: for records about to go without
    a change of their own (a deleted source's citations), after which it could no longer be
    read back. (A later change's `before` still gives the others.)"""
    if not ids:
        return
    changes = await session.scalars(
        select(Change).where(Change.entity == entity, Change.entity_id.in_(ids))
    )
    creates: dict[uuid.UUID, Change] = {}
    changed: set[uuid.UUID] = set()
    for change in changes.all():
        if change.action == "create" and change.after is None:
            creates[change.entity_id] = change
        elif change.action != "create":
            changed.add(change.entity_id)
    unchanged = [ident for ident in creates if ident not in changed]
    if not unchanged:
        return
    now = await current_snapshots(session, entity, unchanged)
    for ident in unchanged:
        if ident in now:
            creates[ident].after = now[ident]
