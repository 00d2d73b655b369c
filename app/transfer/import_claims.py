"""Importing claims (matched by statement, ignoring case and spacing) and claim relations
(claim, related claim, kind)."""

import uuid
from collections import defaultdict
from functools import partial
from typing import Any

from sqlalchemy import select

from app.claims import service as claims
from app.claims.schemas import ClaimUpdate
from app.models import Claim, ClaimStats, ClaimSubject, ClaimTag
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.history import dashed
from app.transfer.records import Record
from app.transfer.upsert import Decider, before_updates, changes, existing_ids, settle

CLAIM_COLUMNS = (
    "id",
    "statement",
    "statement_key",
    "occurred_from",
    "occurred_to",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)


def _about(record: Record) -> list[str]:
    return list(dict.fromkeys(a.id for a in record.ids["about"]))


async def import_claims(ctx: Context, records: list[Record]) -> None:
    """Create the new claims (with zeroed counters), update the changed ones."""
    live = [r for r in records if not r.failed]
    keys = sorted({r.extra["statement_key"] for r in live})
    found: dict[str, str] = {}
    for part in chunks(keys):
        result = await ctx.session.execute(
            select(Claim.statement_key, Claim.id).where(ctx.among(Claim.statement_key, part))
        )
        found.update((key, ident.hex) for key, ident in result)
    decide = Decider(ctx, await existing_ids(ctx, Claim, [r.id.hex for r in live if r.id]), "claim")
    await ctx.writer.start()
    rows: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    subjects: list[tuple[Any, ...]] = []
    matched: list[Record] = []
    folded: list[dict[str, Any]] = []
    for record in live:
        key = record.extra["statement_key"]
        target = found.get(key) or decide.created_id(key) or decide.by_given_id(record)
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
                data.statement,
                key,
                data.occurred_from,
                data.occurred_to,
                ctx.by,
                ctx.now,
                ctx.now,
                1,
            )
        )
        tags.extend((new_id, tag) for tag in data.tags)
        about = _about(record)
        subjects.extend((new_id, a, i) for i, a in enumerate(about))
        folded.append({"tags": data.tags, "about_actor_ids": [dashed(a) for a in about]})
        ctx.count(record, "created")
    await ctx.writer.insert(Claim.__table__, CLAIM_COLUMNS, rows, defer=True)  # type: ignore[arg-type]
    await ctx.changes.created(Claim, CLAIM_COLUMNS, rows, folded, defer=True)
    await ctx.writer.insert(ClaimTag.__table__, ("claim_id", "tag"), tags, defer=True)  # type: ignore[arg-type]
    await ctx.writer.insert(
        ClaimSubject.__table__,  # type: ignore[arg-type]
        ("claim_id", "actor_id", "position"),
        subjects,
        defer=True,
    )
    # Zeroed counters (the columns' defaults), to be counted at the end of the import.
    await ctx.writer.insert(
        ClaimStats.__table__,  # type: ignore[arg-type]
        ("claim_id", "activity_at"),
        [(row[0], ctx.now) for row in rows],
        defer=True,
    )
    await _update_claims(ctx, matched)


async def _update_claims(ctx: Context, records: list[Record]) -> None:
    if not records:
        return
    await before_updates(ctx, "claim")
    ids = sorted({r.target for r in records if r.target})
    current: dict[str, Any] = {}
    tags_of: dict[str, list[str]] = defaultdict(list)
    about_of: dict[str, list[str]] = defaultdict(list)
    for part in chunks(ids):
        uuids = [as_uuid(i) for i in part]
        for row in await ctx.session.execute(
            select(Claim.id, Claim.statement, Claim.occurred_from, Claim.occurred_to).where(
                ctx.among(Claim.id, uuids)
            )
        ):
            current[row.id.hex] = row
        for claim_id, tag in await ctx.session.execute(
            select(ClaimTag.claim_id, ClaimTag.tag)
            .where(ctx.among(ClaimTag.claim_id, uuids))
            .order_by(ClaimTag.claim_id, ClaimTag.tag)
        ):
            tags_of[claim_id.hex].append(tag)
        for claim_id, actor_id in await ctx.session.execute(
            select(ClaimSubject.claim_id, ClaimSubject.actor_id)
            .where(ctx.among(ClaimSubject.claim_id, uuids))
            .order_by(ClaimSubject.claim_id, ClaimSubject.position)
        ):
            about_of[claim_id.hex].append(actor_id.hex)
    for record in records:
        assert record.target is not None
        row, data = current[record.target], record.data
        changed = changes(
            record,
            {
                "statement": (data.statement, row.statement),
                "tags": (data.tags, tags_of[record.target]),
                "about": (_about(record), about_of[record.target]),
                "occurred_from": (data.occurred_from, row.occurred_from),
                "occurred_to": (data.occurred_to, row.occurred_to),
            },
        )
        if "about" in changed:
            changed["about_actor_ids"] = [as_uuid(a) for a in changed.pop("about")]
        await settle(ctx, record, changed, partial(_update_claim, ctx, as_uuid(record.target)))
    ctx.session.expunge_all()


async def _update_claim(ctx: Context, claim_id: uuid.UUID, changed: dict[str, Any]) -> Any:
    return await claims.update_claim(ctx.session, claim_id, ClaimUpdate(**changed), by=ctx.by)
