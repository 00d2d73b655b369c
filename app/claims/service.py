"""Claims: create, read, update, delete. Their relations to other claims are owned links
(`app.claims.relations`, served by `app.links`)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.claims.rows import claims_out, is_postgres
from app.claims.rules import check_interval, statement_key
from app.claims.schemas import ClaimCreate, ClaimOut, ClaimUpdate, page_links
from app.claims.summary import ClaimDetailFields, claim_summary, claim_with_stats
from app.claims.writes import NewClaim, create_claims
from app.db.batches import Write
from app.db.statements import select_rows
from app.errors import Duplicate, NotFound
from app.models import Actor, Claim, ClaimRelation, ClaimSubject, ClaimTag, Stance
from app.records import (
    changed_fields,
    delete_unreferenced,
    load,
    raise_gone_if_deleted,
    refuse_taken,
    require_ids,
    save_change,
)

WITH_LINKS = (selectinload(Claim.tags), selectinload(Claim.subjects))
STATEMENT_TAKEN = "a claim with this statement exists"


def to_out(claim: Claim) -> ClaimOut:
    return ClaimOut.from_row(
        claim,
        tags=[t.tag for t in claim.tags],
        about_actor_ids=[s.actor_id for s in claim.subjects],
    )


async def _check_statement_free(
    session: AsyncSession, key: str, exclude: uuid.UUID | None = None
) -> None:
    await refuse_taken(session, Claim, STATEMENT_TAKEN, Claim.statement_key == key, exclude=exclude)


def _subjects(actor_ids: list[uuid.UUID]) -> list[ClaimSubject]:
    return [ClaimSubject(actor_id=a, position=i) for i, a in enumerate(dict.fromkeys(actor_ids))]


async def create_claim(session: AsyncSession, data: ClaimCreate, *, by: str | None) -> ClaimOut:
    """The new claim: a batch of one for `create_claims`, a repeated statement a 409, an
    unknown actor or a rule's refusal a 422 (in that order)."""
    (outcome,) = await create_claims(session, [NewClaim(data)], Write(by))
    if outcome.repeats:
        raise Duplicate(STATEMENT_TAKEN, existing_id=outcome.repeats[0]["id"])
    if outcome.error is not None:
        raise outcome.error
    return ClaimOut.model_validate(
        {**outcome.values, "tags": outcome.tags, "about_actor_ids": outcome.about}
    )


async def get_claim(session: AsyncSession, claim_id: uuid.UUID) -> ClaimDetailFields:
    """The `ClaimDetail` fields of the claim with its summary, or a 404."""
    params = {"claim_id": claim_id}
    found = await select_rows(session, claim_with_stats(is_postgres(session)), params)
    if not found:
        await raise_gone_if_deleted(session, "claim", claim_id)
        raise NotFound("claim", claim_id)
    (fields,) = await claims_out(session, found)
    return {
        **fields,
        "summary": claim_summary(found[0]),
        "links": page_links(claim_id),  # last, where the model writes its computed field
    }


async def update_claim(
    session: AsyncSession, claim_id: uuid.UUID, data: ClaimUpdate, *, by: str | None
) -> ClaimOut:
    """The claim after the change."""
    claim = await load(session, Claim, claim_id, "claim", *WITH_LINKS, for_update=True)
    changes = changed_fields(data)
    if "statement" in changes:
        claim.statement_key = statement_key(changes["statement"])
        await _check_statement_free(session, claim.statement_key, exclude=claim.id)
        claim.statement = changes["statement"]
    if "about_actor_ids" in changes:
        ids = changes["about_actor_ids"] or []
        await require_ids(session, Actor, ids, "about_actor_ids", "actor")
        claim.subjects = []
        await session.flush()
        claim.subjects = _subjects(ids)
    if "tags" in changes:
        claim.tags = []
        await session.flush()
        claim.tags = [ClaimTag(tag=t) for t in changes["tags"] or []]
    for field in ("occurred_from", "occurred_to"):
        if field in changes:
            setattr(claim, field, changes[field])
    check_interval(claim.occurred_from, claim.occurred_to)
    await save_change(session, claim)
    return to_out(claim)


# What refers to a claim, as a refused deletion (409) names it.
REFERENCES = [
    ("stances", Stance.claim_id),
    ("relations from other claims", ClaimRelation.related_claim_id),
]


async def delete_claim(session: AsyncSession, claim_id: uuid.UUID) -> None:
    """Delete the claim; 409 while stances or other claims' relations refer to it."""
    await delete_unreferenced(session, Claim, claim_id, "claim", REFERENCES)
