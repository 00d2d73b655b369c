"""Per-claim stance counters (claim_stats) and tallies (claim_tallies, claim_side_actors),
kept in step with stances in the same transaction.

A new stance adjusts its claim's counters with one atomic UPDATE and its tallies with upserts
(safe under concurrent writers: the claim_stats row is locked first, as the recounts lock it);
updates, deletions and bulk imports recompute the affected claims' rows from their stances
(app/tallies/recount.py).
"""

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ClaimSideActor, ClaimStats, ClaimTally
from app.models.claim import NO_PROBABILITY
from app.tallies.recount import ACTOR_COUNTERS, recount, recount_bulk, recount_many
from app.vocabulary import StanceSide

__all__ = [
    "add_claims",
    "count_new_stance",
    "lock_claim",
    "recount",
    "recount_bulk",
    "recount_many",
]


async def add_claims(session: AsyncSession, claims: Collection[tuple[uuid.UUID, datetime]]) -> None:
    """Zeroed counters for new claims, given as (id, created_at)."""
    if claims:
        await session.execute(
            insert(ClaimStats), [{"claim_id": c, "activity_at": at} for c, at in claims]
        )


async def lock_claim(session: AsyncSession, claim_id: uuid.UUID) -> None:
    """Hold the claim's counters row until the transaction ends: writers of the claim's
    stances take it before they look at its stances (no-op on SQLite, whose writer holds the
    database's write lock from the start)."""
    await session.execute(
        select(ClaimStats.claim_id).where(ClaimStats.claim_id == claim_id).with_for_update()
    )


async def _add_to(session: AsyncSession, table: Any, keys: dict[str, Any]) -> int:
    """Add one stance to the tally row with these keys (created at 1); its new count."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**keys, stances=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={"stances": table.c.stances + 1}
    ).returning(table.c.stances)
    return int((await session.execute(stmt)).scalar_one())


async def count_new_stance(
    session: AsyncSession,
    claim_id: uuid.UUID,
    side: str,
    stated_at: datetime | None,
    retracted: bool,
    *,
    actor_id: uuid.UUID,
    label: str,
    probability: float | None,
) -> None:
    """Count one new stance on its claim: one UPDATE of the counters (concurrent writers
    serialize on the row), then its tallies, and the side's actors if the actor is new there."""
    if retracted:
        values: dict[str, Any] = {"retracted": ClaimStats.retracted + 1}
    else:
        support = ClaimStats.support + (1 if side == "support" else 0)
        dispute = ClaimStats.dispute + (1 if side == "dispute" else 0)
        values = {
            side: getattr(ClaimStats, side) + 1,
            "total": ClaimStats.total + 1,
            "contested": and_(support > 0, dispute > 0),
        }
        if stated_at is not None:
            values["first_stated_at"] = case(
                (ClaimStats.first_stated_at.is_(None), stated_at),
                (ClaimStats.first_stated_at > stated_at, stated_at),
                else_=ClaimStats.first_stated_at,
            )
            values["latest_stated_at"] = case(
                (ClaimStats.latest_stated_at.is_(None), stated_at),
                (ClaimStats.latest_stated_at < stated_at, stated_at),
                else_=ClaimStats.latest_stated_at,
            )
            # The first dated stance replaces the creation time; later ones only move it on.
            values["activity_at"] = case(
                (ClaimStats.latest_stated_at.is_(None), stated_at),
                (ClaimStats.latest_stated_at < stated_at, stated_at),
                else_=ClaimStats.activity_at,
            )
    result = await session.execute(
        update(ClaimStats).where(ClaimStats.claim_id == claim_id).values(values)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # no row yet: build it from scratch
        await recount(session, [claim_id])
        return
    if retracted:
        return
    await _add_to(
        session,
        ClaimTally.__table__,
        {
            "claim_id": claim_id,
            "label": label,
            "probability": NO_PROBABILITY if probability is None else probability,
        },
    )
    keys = {"claim_id": claim_id, "side": side, "actor_id": actor_id}
    if await _add_to(session, ClaimSideActor.__table__, keys) == 1:
        counter = ACTOR_COUNTERS[StanceSide(side)]
        await session.execute(
            update(ClaimStats).where(ClaimStats.claim_id == claim_id).values({counter: counter + 1})
        )
