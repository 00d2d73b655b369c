"""Importing claims: each batch created by the claims' own `create_claims`, its records
matched by statement (ignoring case and spacing) against the stored claims and the claims
this import created, else by their given id."""

import uuid
from collections import defaultdict
from functools import partial

from sqlalchemy import select

from app.claims import rules
from app.claims import service as claims
from app.claims.relations import CLAIM_RELATIONS
from app.claims.schemas import ClaimCreate, ClaimUpdate
from app.claims.writes import ClaimValues, NewClaim, create_claims
from app.db.lookup import chunks
from app.ingest.context import Context, as_uuid
from app.ingest.records import Record, RefField, Spec, renamed
from app.ingest.upsert import Changed, Decider, before_updates, given_ids, settle
from app.links.imports import link_spec
from app.models import Claim, ClaimSubject, ClaimTag

ClaimRecord = Record[ClaimCreate]
REFS = (RefField("about", "actor", "about_actor_ids", many=True, required=False),)
RENAMED = renamed(REFS)
# The fields a match compares, by their name on a line: those an update may change.
UPDATABLE = {RENAMED.get(name, name): name for name in ClaimUpdate.model_fields}


def _new(record: ClaimRecord) -> NewClaim:
    """The record as a new claim: the actors it is about (resolved) in place."""
    about = [as_uuid(a) for a in dict.fromkeys(a.id for a in record.many["about"])]
    return NewClaim(record.data.model_copy(update={"about_actor_ids": about}), about_known=True)


async def import_claims(ctx: Context, records: list[ClaimRecord]) -> None:
    """Create the new claims (with zeroed counters), update the changed ones."""
    live = [r for r in records if not r.failed]
    decide = Decider(ctx, await given_ids(ctx, Claim, live), "claim")
    matched: list[ClaimRecord] = []

    def place(i: int, values: ClaimValues, repeats: list[ClaimValues]) -> uuid.UUID | None:
        key = values["statement_key"]
        found = repeats[0]["id"].hex if repeats else decide.created_id(key)
        new_id = decide.place(live[i], found, matched)
        if new_id is None:
            return None
        decide.created[key] = new_id
        return as_uuid(new_id)

    batch = [_new(record) for record in live]
    await create_claims(ctx.session, batch, ctx.write(), place)
    data_of = {record.line: new.data for record, new in zip(live, batch, strict=True)}
    await _update_claims(ctx, [(record, data_of[record.line]) for record in matched])


async def _update_claims(ctx: Context, matched: list[tuple[ClaimRecord, ClaimCreate]]) -> None:
    """Update each matched claim through the service with the fields its line gives whose
    values differ from the stored claim's, compared by field name."""
    if not matched:
        return
    await before_updates(ctx, "claim")
    ids = sorted({r.target for r, _ in matched if r.target})
    stored: dict[str, dict[str, object]] = {}
    tags_of: dict[str, list[str]] = defaultdict(list)
    about_of: dict[str, list[uuid.UUID]] = defaultdict(list)
    table = Claim.__table__
    for part in chunks(ids):
        uuids = [as_uuid(i) for i in part]
        for found in await ctx.session.execute(select(table).where(ctx.among(table.c.id, uuids))):
            stored[found.id.hex] = found._asdict()
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
            about_of[claim_id.hex].append(actor_id)
    for record, data in matched:
        assert record.target is not None
        old = {
            **stored[record.target],
            "tags": tags_of[record.target],
            "about_actor_ids": about_of[record.target],
        }
        changed: Changed = {
            name: new
            for line, name in UPDATABLE.items()
            if line in record.present and (new := getattr(data, name)) != old[name]
        }
        await settle(ctx, record, changed, partial(_update_claim, ctx, as_uuid(record.target)))
    ctx.session.expunge_all()


async def _update_claim(ctx: Context, claim_id: uuid.UUID, changed: Changed) -> object:
    update = ClaimUpdate.model_validate(changed)
    return await claims.update_claim(ctx.session, claim_id, update, by=ctx.by)


CLAIM = Spec("claim", ClaimCreate, REFS, import_claims, rules.check_claim)
CLAIM_RELATION = link_spec(CLAIM_RELATIONS, "claim", "related")
