"""Read-side questions about an actor: what it asserted, denied or hedged, and where it
disagrees with another actor."""

import uuid
from collections import defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db.paging import PageParams, keyset, split_page
from app.models import Actor, Claim, ClaimSideActor, Stance
from app.records import load
from app.stances.rows import row_to_out, select_stances
from app.stances.schemas import ClaimRef, StanceOut
from app.vocabulary import StanceSide


class DisagreementOut(BaseModel):
    """A claim on which two actors take opposite sides, with both actors' stances."""

    claim: ClaimRef = Field(description="The claim in dispute between them.")
    stances: list[StanceOut] = Field(description="The first actor's current stances on it.")
    other_stances: list[StanceOut] = Field(description="The other actor's current stances on it.")


async def disagreements(
    session: AsyncSession,
    actor_id: uuid.UUID,
    with_actor_id: uuid.UUID,
    page: PageParams,
) -> tuple[list[DisagreementOut], str | None]:
    """Claims on which one actor supports and the other disputes (current stances only)."""
    await load(session, Actor, actor_id, "actor")
    await load(session, Actor, with_actor_id, "actor")
    # The claims where each actor has current stances, by side (`claim_side_actors`, kept
    # with every stance write): the one's on a side, then the other's on the opposite side
    # of the same claim, looked up by its whole key.
    mine, theirs = aliased(ClaimSideActor), aliased(ClaimSideActor)
    opposite = case((mine.side == StanceSide.support, StanceSide.dispute), else_=StanceSide.support)
    claims = select(Claim.id, Claim.statement).where(
        Claim.id.in_(
            select(mine.claim_id)
            .join(
                theirs,
                and_(
                    theirs.claim_id == mine.claim_id,
                    theirs.side == opposite,
                    theirs.actor_id == with_actor_id,
                ),
            )
            .where(
                mine.actor_id == actor_id,
                mine.side.in_([StanceSide.support, StanceSide.dispute]),
                mine.stances > 0,
                theirs.stances > 0,
            )
        )
    )
    rows, cursor = split_page(
        list((await session.execute(keyset(claims, Claim.id, page))).all()), page
    )
    ids = [r.id for r in rows]
    by_claim: dict[tuple[uuid.UUID, uuid.UUID], list[StanceOut]] = defaultdict(list)
    if ids:
        stances = await session.execute(
            select_stances()
            .where(
                Stance.claim_id.in_(ids),
                Stance.actor_id.in_([actor_id, with_actor_id]),
                Stance.retracted_at.is_(None),
            )
            .order_by(Stance.id)
        )
        for row in stances.all():
            out = row_to_out(row)
            by_claim[(out.claim_id, out.actor_id)].append(out)
    return [
        DisagreementOut(
            claim=ClaimRef(id=r.id, statement=r.statement),
            stances=by_claim[(r.id, actor_id)],
            other_stances=by_claim[(r.id, with_actor_id)],
        )
        for r in rows
    ], cursor


class DisagreerOut(BaseModel):
    """Another actor that takes the opposite side to this one on some claims."""

    actor_id: uuid.UUID = Field(description="The other actor.")
    name: str = Field(description="Its name.")
    claims: int = Field(description="Claims on which the two take opposite sides.")


async def top_disagreers(
    session: AsyncSession, actor_id: uuid.UUID, limit: int = 10
) -> list[DisagreerOut]:
    """The actors that most often take the side opposite to this actor's (current stances
    only), by the number of claims in dispute between them; each pair `disagreements` lists."""
    await load(session, Actor, actor_id, "actor")
    mine, theirs = aliased(Stance), aliased(Stance)
    opposite = or_(
        and_(mine.side == StanceSide.support, theirs.side == StanceSide.dispute),
        and_(mine.side == StanceSide.dispute, theirs.side == StanceSide.support),
    )
    claims = func.count(distinct(mine.claim_id)).label("claims")
    stmt = (
        select(theirs.actor_id, Actor.name, claims)
        .join(theirs, theirs.claim_id == mine.claim_id)
        .join(Actor, Actor.id == theirs.actor_id)
        .where(
            mine.actor_id == actor_id,
            theirs.actor_id != actor_id,
            mine.retracted_at.is_(None),
            theirs.retracted_at.is_(None),
            opposite,
        )
        .group_by(theirs.actor_id, Actor.name)
        .order_by(claims.desc(), Actor.name)
        .limit(limit)
    )
    return [
        DisagreerOut(actor_id=r.actor_id, name=r.name, claims=r.claims)
        for r in (await session.execute(stmt)).all()
    ]
