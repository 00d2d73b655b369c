"""Importing claims (matched by statement, ignoring case and spacing) and claim relations
(claim, related claim, kind)."""

import uuid
from collections import defaultdict
from datetime import datetime
from functools import partial
from typing import NamedTuple

from sqlalchemy import select

from app.claims import service as claims
from app.claims.schemas import ClaimCreate, ClaimUpdate
from app.history.changelog import Folded, dashed
from app.models import Claim, ClaimStats, ClaimSubject, ClaimTag
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.records import Record
from app.transfer.rows import ClaimRow, HexId, StatsRow, SubjectRow, TagRow
from app.transfer.upsert import Changed, Decider, before_updates, changes, given_ids, settle

ClaimRecord = Record[ClaimCreate]


class Stored(NamedTuple):
    """A stored claim's columns a match compares."""

    id: uuid.UUID
    statement: str
    occurred_from: datetime | None
    occurred_to: datetime | None


def _about(record: ClaimRecord) -> list[HexId]:
    return list(dict.fromkeys(a.id for a in record.many["about"]))


async def import_claims(ctx: Context, records: list[ClaimRecord]) -> None:
    """Create the new claims (with zeroed counters), update the changed ones."""
    live = [r for r in records if not r.failed]
    keys = sorted({r.derived.statement_key for r in live})
    found: dict[str, HexId] = {}
    for part in chunks(keys):
        result = await ctx.session.execute(
            select(Claim.statement_key, Claim.id).where(ctx.among(Claim.statement_key, part))
        )
        found.update((key, ident.hex) for key, ident in result)
    decide = Decider(ctx, await given_ids(ctx, Claim, live), "claim")
    await ctx.writer.start()
    rows: list[ClaimRow] = []
    tags: list[TagRow] = []
    subjects: list[SubjectRow] = []
    matched: list[ClaimRecord] = []
    folded: list[Folded] = []
    for record in live:
        key = record.derived.statement_key
        new_id = decide.place(record, found.get(key) or decide.created_id(key), matched)
        if new_id is None:
            continue
        decide.created[key] = new_id
        data = record.data
        rows.append(
            ClaimRow(new_id, data.statement, key, data.occurred_from, data.occurred_to, *ctx.audit)
        )
        tags.extend(TagRow(new_id, tag) for tag in data.tags)
        about = _about(record)
        subjects.extend(SubjectRow(new_id, a, i) for i, a in enumerate(about))
        folded.append({"tags": data.tags, "about_actor_ids": [dashed(a) for a in about]})
    await ctx.create(Claim, rows, folded)
    await ctx.writer.insert(ClaimTag, tags, defer=True)
    await ctx.writer.insert(ClaimSubject, subjects, defer=True)
    # Zeroed counters (the columns' defaults), to be counted at the end of the import.
    await ctx.writer.insert(ClaimStats, [StatsRow(row.id, ctx.now) for row in rows], defer=True)
    await _update_claims(ctx, matched)


async def _update_claims(ctx: Context, records: list[ClaimRecord]) -> None:
    if not records:
        return
    await before_updates(ctx, "claim")
    ids = sorted({r.target for r in records if r.target})
    current: dict[HexId, Stored] = {}
    tags_of: dict[HexId, list[str]] = defaultdict(list)
    about_of: dict[HexId, list[HexId]] = defaultdict(list)
    for part in chunks(ids):
        uuids = [as_uuid(i) for i in part]
        for found in await ctx.session.execute(
            select(Claim.id, Claim.statement, Claim.occurred_from, Claim.occurred_to).where(
                ctx.among(Claim.id, uuids)
            )
        ):
            current[found.id.hex] = Stored(*found)
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
            del changed["about"]
            changed["about_actor_ids"] = [as_uuid(a) for a in _about(record)]
        await settle(ctx, record, changed, partial(_update_claim, ctx, as_uuid(record.target)))
    ctx.session.expunge_all()


async def _update_claim(ctx: Context, claim_id: uuid.UUID, changed: Changed) -> object:
    update = ClaimUpdate.model_validate(changed)
    return await claims.update_claim(ctx.session, claim_id, update, by=ctx.by)
