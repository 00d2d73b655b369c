"""Recounting claims' counters and tallies from their stances: after a stance is updated or
deleted (`recount`), and at the end of a bulk import (`recount_bulk`, `recount_many`)."""

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    MetaData,
    Select,
    Table,
    Uuid,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.lookup import chunks
from app.models import Claim, ClaimSideActor, ClaimStats, ClaimTally, Stance
from app.models.claim import NO_PROBABILITY
from app.vocabulary import StanceSide

ACTOR_COUNTERS = {side: getattr(ClaimStats, f"{side.value}_actors") for side in StanceSide}

# The claims whose counters one bulk recount rebuilds (PostgreSQL; dropped at the end).
RECOUNTED = Table(
    "recounted_claims", MetaData(), Column("claim_id", Uuid, primary_key=True), prefixes=["TEMP"]
)
# Below this many claims a bulk recount runs as `recount_many` in chunks of this size.
BULK_CHUNK = 2000
RECOUNT_WORK_MEM = "64MB"  # PostgreSQL's memory for each sort of a bulk recount
Claims = list[uuid.UUID] | Select[tuple[uuid.UUID]]  # ids, or a SELECT of them


async def _retally(session: AsyncSession, ids: Claims) -> None:
    """Rebuild the tallies of these claims (their claim_stats rows locked) from their stances:
    by label and probability, and by side and actor."""
    current = (Stance.claim_id.in_(ids), Stance.retracted_at.is_(None))
    # No tally is loaded as an object: without synchronize_session=False the ORM would read
    # back every deleted row's key (DELETE ... RETURNING) to look for them in the session.
    await session.execute(
        delete(ClaimTally)
        .where(ClaimTally.claim_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    probability = func.coalesce(Stance.probability, literal(NO_PROBABILITY))
    await session.execute(
        insert(ClaimTally).from_select(
            ["claim_id", "label", "probability", "stances"],
            select(Stance.claim_id, Stance.label, probability, func.count())
            .where(*current)
            .group_by(Stance.claim_id, Stance.label, probability),
        )
    )
    await session.execute(
        delete(ClaimSideActor)
        .where(ClaimSideActor.claim_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        insert(ClaimSideActor).from_select(
            ["claim_id", "side", "actor_id", "stances"],
            select(Stance.claim_id, Stance.side, Stance.actor_id, func.count())
            .where(*current)
            .group_by(Stance.claim_id, Stance.side, Stance.actor_id),
        )
    )


def _actor_counts(ids: Claims) -> Any:
    """The distinct actors per side of these claims, from their rebuilt side tallies."""
    return (
        select(
            ClaimSideActor.claim_id.label("claim_id"),
            *(
                func.sum(case((ClaimSideActor.side == side.value, 1), else_=0)).label(counter.key)
                for side, counter in ACTOR_COUNTERS.items()
            ),
        )
        .where(ClaimSideActor.claim_id.in_(ids))
        .group_by(ClaimSideActor.claim_id)
        .subquery()
    )


async def recount(session: AsyncSession, claim_ids: Collection[uuid.UUID]) -> None:
    """Recompute the counters of these claims from their stances (rows locked first, so
    concurrent recounts of one claim run one after the other); a claim without counters yet
    gets its row."""
    ids = sorted(set(claim_ids), key=str)
    if not ids:
        return
    counted = select(ClaimStats.claim_id).where(ClaimStats.claim_id == Claim.id).exists()
    await session.execute(
        insert(ClaimStats).from_select(
            ["claim_id", "activity_at"],
            select(Claim.id, Claim.created_at).where(Claim.id.in_(ids), ~counted),
        )
    )
    await _recount(session, ids)


async def recount_bulk(session: AsyncSession, claim_ids: Collection[uuid.UUID]) -> None:
    """`recount` for any number of claims (the end of a bulk import).

    On PostgreSQL, beyond BULK_CHUNK claims the ids go into a temporary table and each
    counter is rebuilt by one statement for all of them: the planner can then read the
    stances in one pass and aggregate them by hash, where chunks of ids read each claim's
    stances through the index, three times over. Elsewhere (SQLite, whose sorts would hold
    memory in proportion to the claims) it runs `recount_many` chunk by chunk."""
    ids = sorted(set(claim_ids), key=str)
    if len(ids) <= BULK_CHUNK or session.get_bind().dialect.name != "postgresql":
        for part in chunks(ids, BULK_CHUNK):
            await recount_many(session, part)
        return
    connection = await session.connection()
    # The tallies' sorts (every stance of these claims, by claim and label, by claim, side and
    # actor) spill to disk at the default 4 MB: 47 MB each at 1M stances. In memory the whole
    # recount of 100k claims took 33 s instead of 36 (BENCHMARKS.md, W2). For this
    # transaction only, which ends with the import.
    await connection.exec_driver_sql(f"SET LOCAL work_mem = '{RECOUNT_WORK_MEM}'")
    await connection.run_sync(lambda sync: RECOUNTED.create(sync))
    fill = text("INSERT INTO recounted_claims SELECT unnest(:ids)")
    await session.execute(fill.bindparams(bindparam("ids", type_=ARRAY(Uuid))), {"ids": ids})
    await session.execute(text("ANALYZE recounted_claims"))  # its size, for the planner
    await _recount(session, select(RECOUNTED.c.claim_id))
    await connection.run_sync(lambda sync: RECOUNTED.drop(sync))


async def recount_many(session: AsyncSession, claim_ids: Collection[uuid.UUID]) -> None:
    """`recount` for many claims at once (bulk imports): rows locked in id order, tallies
    rebuilt, then one UPDATE ... FROM an aggregate of their stances and side tallies, with no
    per-row round trips."""
    ids = sorted(set(claim_ids), key=str)
    if ids:
        await _recount(session, ids)


async def _recount(session: AsyncSession, ids: Claims) -> None:
    # The counters' rows locked in id order; counted, not sent back (a bulk import's hundred
    # thousand ids would all come back to be dropped).
    locked = (
        select(ClaimStats.claim_id)
        .where(ClaimStats.claim_id.in_(ids))
        .order_by(ClaimStats.claim_id)
        .with_for_update()
        .subquery()
    )
    await session.execute(select(func.count()).select_from(locked))
    current = Stance.retracted_at.is_(None)

    def on(side: str) -> Any:
        return func.coalesce(func.sum(case((and_(current, Stance.side == side), 1))), 0)

    await _retally(session, ids)
    actors = _actor_counts(ids)
    counts = (
        select(
            Claim.id.label("claim_id"),
            on("support").label("support"),
            on("neutral").label("neutral"),
            on("dispute").label("dispute"),
            func.coalesce(func.sum(case((and_(current, Stance.id.is_not(None)), 1))), 0).label(
                "total"
            ),
            func.coalesce(func.sum(case((Stance.retracted_at.is_not(None), 1))), 0).label(
                "retracted"
            ),
            func.min(case((current, Stance.stated_at))).label("first"),
            func.max(case((current, Stance.stated_at))).label("latest"),
            Claim.created_at.label("created_at"),
        )
        .select_from(Claim)
        .outerjoin(Stance, Stance.claim_id == Claim.id)
        .where(Claim.id.in_(ids))
        .group_by(Claim.id, Claim.created_at)
        .subquery()
    )
    # A claim with no current stance has no side tallies: its actor counters are 0.
    counts = (
        select(
            counts,
            *(func.coalesce(actors.c[c.key], 0).label(c.key) for c in ACTOR_COUNTERS.values()),
        )
        .select_from(counts.outerjoin(actors, actors.c.claim_id == counts.c.claim_id))
        .subquery()
    )
    await session.execute(
        update(ClaimStats)
        .where(ClaimStats.claim_id == counts.c.claim_id)
        .values(
            support=counts.c.support,
            neutral=counts.c.neutral,
            dispute=counts.c.dispute,
            total=counts.c.total,
            retracted=counts.c.retracted,
            contested=and_(counts.c.support > 0, counts.c.dispute > 0),
            first_stated_at=counts.c.first,
            latest_stated_at=counts.c.latest,
            activity_at=func.coalesce(counts.c.latest, counts.c.created_at),
            **{c.key: counts.c[c.key] for c in ACTOR_COUNTERS.values()},
        )
        .execution_options(synchronize_session=False)
    )
