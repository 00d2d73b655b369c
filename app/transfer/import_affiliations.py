"""Importing affiliations (matched by actor, organization, kind and start)."""

from datetime import datetime
from functools import partial

from sqlalchemy import select

from app.actors.affiliations import AFFILIATIONS
from app.actors.schemas import AffiliationCreate, AffiliationUpdate
from app.links import service as links
from app.models import Affiliation
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.records import Record
from app.transfer.rows import AffiliationRow, HexId
from app.transfer.upsert import Changed, Decider, before_updates, changes, given_ids, loaded, settle

AffiliationRecord = Record[AffiliationCreate]
NaturalKey = tuple[HexId, HexId, str, datetime | None]  # actor, organization, kind, valid_from


def _natural_key(record: AffiliationRecord) -> NaturalKey:
    data = record.data
    return (record.one["actor"].id, record.one["organization"].id, data.kind.value, data.valid_from)


async def import_affiliations(ctx: Context, records: list[AffiliationRecord]) -> None:
    """Create the new affiliations, update the changed ones (role, end of validity)."""
    live = []
    for record in records:
        if record.failed:
            continue
        if record.one["actor"].id == record.one["organization"].id:
            message = "an actor cannot be affiliated with itself"
            ctx.fail(record, "organization", message, "invalid-field")
            continue
        live.append(record)
    # Looked up even between actors this import created: an earlier batch may have linked them.
    pairs = sorted({(r.one["actor"].id, r.one["organization"].id) for r in live})
    found: dict[NaturalKey, Affiliation] = {}
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
    decide = Decider(ctx, await given_ids(ctx, Affiliation, live), "affiliation")
    await ctx.writer.start()
    rows: list[AffiliationRow] = []
    matched: list[AffiliationRecord] = []
    for record in live:
        key = _natural_key(record)
        existing = found.get(key)
        target = existing.id.hex if existing is not None else decide.created_id(key)
        new_id = decide.place(record, target, matched)
        if new_id is None:
            continue
        decide.created[key] = new_id
        data = record.data
        rows.append(
            AffiliationRow(
                new_id,
                key[0],
                key[1],
                key[2],
                data.role,
                data.valid_from,
                data.valid_to,
                *ctx.audit,
            )
        )
    await ctx.create(Affiliation, rows)
    if not matched:
        ctx.session.expunge_all()  # the rows looked up
        return
    await before_updates(ctx, "affiliation")
    stored = await loaded(ctx, Affiliation, matched)
    for record in matched:
        assert record.target is not None
        await _update_affiliation(ctx, record, stored[record.target])
    ctx.session.expunge_all()


async def _update_affiliation(ctx: Context, record: AffiliationRecord, row: Affiliation) -> None:
    data = record.data
    actor_id, organization_id = record.one["actor"].id, record.one["organization"].id
    if (row.actor_id.hex, row.organization_id.hex) != (actor_id, organization_id):
        message = "is the id of an affiliation between other actors"
        ctx.fail(record, "id", message, "id-conflict")
        return
    changed = changes(
        record,
        {
            "kind": (data.kind.value, row.kind),
            "role": (data.role, row.role),
            "valid_from": (data.valid_from, row.valid_from),
            "valid_to": (data.valid_to, row.valid_to),
        },
    )
    await settle(ctx, record, changed, partial(_update_affiliation_row, ctx, row))


async def _update_affiliation_row(ctx: Context, row: Affiliation, changed: Changed) -> object:
    update = AffiliationUpdate.model_validate(changed)
    return await links.update(ctx.session, AFFILIATIONS, row.actor_id, row.id, update)
