"""Importing affiliations (matched by actor, organization, kind and start)."""

from functools import partial
from typing import Any

from sqlalchemy import select

from app.actors import service as actors
from app.actors.schemas import AffiliationUpdate
from app.models import Affiliation
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.records import Record
from app.transfer.upsert import (
    Decider,
    before_updates,
    changes,
    existing_ids,
    loaded,
    plain,
    settle,
)

AFFILIATION_COLUMNS = (
    "id",
    "actor_id",
    "organization_id",
    "kind",
    "role",
    "valid_from",
    "valid_to",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)


def _affiliation_key(record: Record) -> tuple[Any, ...]:
    data = record.data
    return (
        record.ids["actor"].id,
        record.ids["organization"].id,
        plain(data.kind),
        data.valid_from,
    )


async def import_affiliations(ctx: Context, records: list[Record]) -> None:
    """Create the new affiliations, update the changed ones (role, end of validity)."""
    live = []
    for record in records:
        if record.failed:
            continue
        if record.ids["actor"].id == record.ids["organization"].id:
            message = "an actor cannot be affiliated with itself"
            ctx.fail(record, "organization", message, "invalid-field")
            continue
        live.append(record)
    # Looked up even between actors this import created: an earlier batch may have linked them.
    pairs = sorted({(r.ids["actor"].id, r.ids["organization"].id) for r in live})
    found: dict[tuple[Any, ...], Any] = {}
    for part in chunks(pairs):
        for row in await ctx.session.scalars(
            select(Affiliation)
            .where(
                ctx.rows_among(
                    (Affiliation.actor_id, Affiliation.organization_id),
                    [(as_uuid(a), as_uuid(o)) for a, o in part],
                )
            )
            .execution_options(populate_existing=True)
        ):
            key = (row.actor_id.hex, row.organization_id.hex, row.kind, row.valid_from)
            found.setdefault(key, row)
    by_id = await existing_ids(ctx, Affiliation, [r.id.hex for r in live if r.id])
    decide = Decider(ctx, by_id, "affiliation")
    await ctx.writer.start()
    rows: list[tuple[Any, ...]] = []
    matched: list[Record] = []
    for record in live:
        key = _affiliation_key(record)
        existing = found.get(key)
        target = existing.id.hex if existing is not None else decide.created_id(key)
        target = target or decide.by_given_id(record)
        if record.failed:
            continue
        if target is not None:
            record.target = target
            matched.append(record)
            continue
        new_id = decide.new_id(record)
        if new_id is None:
            continue
        record.target = decide.created[key] = new_id
        data = record.data
        rows.append(
            (
                new_id,
                key[0],
                key[1],
                key[2],
                data.role,
                data.valid_from,
                data.valid_to,
                ctx.by,
                ctx.now,
                ctx.now,
                1,
            )
        )
        ctx.count(record, "created")
    await ctx.writer.insert(Affiliation.__table__, AFFILIATION_COLUMNS, rows, defer=True)  # type: ignore[arg-type]
    await ctx.changes.created(Affiliation, AFFILIATION_COLUMNS, rows, defer=True)
    if not matched:
        ctx.session.expunge_all()  # the rows looked up
        return
    await before_updates(ctx, "affiliation")
    stored = await loaded(ctx, Affiliation, matched)
    for record in matched:
        assert record.target is not None
        await _update_affiliation(ctx, record, stored[record.target])
    ctx.session.expunge_all()


async def _update_affiliation(ctx: Context, record: Record, row: Affiliation) -> None:
    data = record.data
    actor_id, organization_id = record.ids["actor"].id, record.ids["organization"].id
    if (row.actor_id.hex, row.organization_id.hex) != (actor_id, organization_id):
        message = "is the id of an affiliation between other actors"
        ctx.fail(record, "id", message, "id-conflict")
        return
    changed = changes(
        record,
        {
            "kind": (plain(data.kind), row.kind),
            "role": (data.role, row.role),
            "valid_from": (data.valid_from, row.valid_from),
            "valid_to": (data.valid_to, row.valid_to),
        },
    )
    await settle(ctx, record, changed, partial(_update_affiliation_row, ctx, row))


async def _update_affiliation_row(ctx: Context, row: Affiliation, changed: dict[str, Any]) -> Any:
    update = AffiliationUpdate(**changed)
    return await actors.update_affiliation(ctx.session, row.actor_id, row.id, update)
