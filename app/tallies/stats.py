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
from typing import Any, cast

from sqlalchemy import Table, Update, and_, bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

from app.db.statements import built_once
from app.models import ClaimSideActor, ClaimStats, ClaimTally
from app.models.claim import NO_PROBABILITY
from app.tallies.recount import recount, recount_bulk, recount_many

__all__ = [
    "add_claims",
    "count_new_stance",
    "lock_claim",
    "recount",
    "recount_bulk",
    "recount_many",
    "tally_new_stance",
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


STATS = cast(Table, ClaimStats.__table__)
TALLIES = cast(Table, ClaimTally.__table__)
SIDE_ACTORS = cast(Table, ClaimSideActor.__table__)


@built_once
def _count_statement(side: str, retracted: bool, dated: bool) -> Update:
    """The counters' UPDATE for one new stance of this kind: built once per kind, so a write
    neither rebuilds its CASE expressions nor recomputes their cache key; the claim and the
    date are parameters (`claim`, `stated_at`)."""
    c = STATS.c
    values: dict[str, Any]
    if retracted:
        values = {"retracted": c.retracted + 1}
    else:
        support = c.support + (1 if side == "support" else 0)
        dispute = c.dispute + (1 if side == "dispute" else 0)
        values = {
            side: c[side] + 1,
            "total": c.total + 1,
            "contested": and_(support > 0, dispute > 0),
        }
        if dated:
            # Typed as the column, so the date is stored as the column stores dates.
            stated_at = bindparam("stated_at", type_=c.first_stated_at.type)
            values["first_stated_at"] = case(
                (c.first_stated_at.is_(None), stated_at),
                (c.first_stated_at > stated_at, stated_at),
                else_=c.first_stated_at,
            )
            values["latest_stated_at"] = case(
                (c.latest_stated_at.is_(None), stated_at),
                (c.latest_stated_at < stated_at, stated_at),
                else_=c.latest_stated_at,
            )
            # The first dated stance replaces the creation time; later ones only move it on.
            values["activity_at"] = case(
                (c.latest_stated_at.is_(None), stated_at),
                (c.latest_stated_at < stated_at, stated_at),
                else_=c.activity_at,
            )
    claim = bindparam("claim", type_=c.claim_id.type)
    return update(STATS).where(c.claim_id == claim).values(values)


@built_once
def _actor_count_statement(side: str) -> Update:
    """One more distinct actor on the claim's side."""
    counter = STATS.c[f"{side}_actors"]
    claim = bindparam("claim", type_=STATS.c.claim_id.type)
    return update(STATS).where(STATS.c.claim_id == claim).values({counter: counter + 1})


def _upsert(dialect_name: str, table: Table) -> Any:
    """Add one stance to the tally row of the parameters' keys (created at 1), returning its
    new count. The parameters are named `<key>_value`: a column's own name is reserved in an
    UPDATE on a table that has it (`_tally_statement`)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    keys = [c.name for c in table.primary_key.columns]
    values = {k: bindparam(f"{k}_value", type_=table.c[k].type) for k in keys}
    stmt = dialect.insert(table).values(values)
    stmt = stmt.values(stances=1)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={"stances": table.c.stances + 1}
    ).returning(table.c.stances)


@built_once
def _add_statement(dialect_name: str, table: Table) -> Executable:
    """`_upsert`, built once per database and table."""
    statement: Executable = _upsert(dialect_name, table)
    return statement


@built_once
def _tally_statement(side: str) -> Executable:
    """PostgreSQL: both tallies' upserts and the side's actors counter in one statement (one
    round trip, where SQLite runs three): the counter moves only if the side-actor row was
    made by this upsert (its count is 1). Data-modifying CTEs run once whether or not the
    statement reads them; the counters row is this transaction's already (locked by
    `count_new_stance`)."""
    tally = _upsert("postgresql", TALLIES).cte("tally")
    side_actor = _upsert("postgresql", SIDE_ACTORS).cte("side_actor")
    counter = STATS.c[f"{side}_actors"]
    claim = bindparam("claim", type_=STATS.c.claim_id.type)
    new_actor = select(side_actor.c.stances).scalar_subquery() == 1
    statement: Executable = (
        update(STATS)
        .where(STATS.c.claim_id == claim, new_actor)
        .values({counter: counter + 1})
        .add_cte(tally, side_actor)
    )
    return statement


async def count_new_stance(
    connection: AsyncConnection,
    claim_id: uuid.UUID,
    side: str,
    stated_at: datetime | None,
    retracted: bool,
) -> bool:
    """Count one new stance in its claim's counters: one atomic UPDATE, which also takes the
    counters' row lock until the transaction ends (as `lock_claim` does), so a writer may
    run it before it looks at the claim's stances. False if the claim has no counters row
    yet (then `recount` builds it, once the stance is flushed). Core statements on the
    session's connection: an ORM UPDATE would also look for the row in the session."""
    params: dict[str, object] = {"claim": claim_id}
    if stated_at is not None:
        params["stated_at"] = stated_at
    statement = _count_statement(side, retracted, stated_at is not None and not retracted)
    result = await connection.execute(statement, params)
    return bool(result.rowcount)


async def tally_new_stance(
    connection: AsyncConnection,
    claim_id: uuid.UUID,
    side: str,
    *,
    actor_id: uuid.UUID,
    label: str,
    probability: float | None,
) -> None:
    """Add one new current stance to its claim's tallies (after `count_new_stance` found
    the counters row): by label and probability, and by side and actor; and the side's
    actors counter if the actor is new there. Upserts, safe under concurrent writers."""
    dialect = connection.dialect.name
    tally = {
        "claim_id_value": claim_id,
        "label_value": label,
        "probability_value": NO_PROBABILITY if probability is None else probability,
    }
    keys = {"claim_id_value": claim_id, "side_value": side, "actor_id_value": actor_id}
    if dialect == "postgresql":
        params = tally | keys | {"claim": claim_id}
        await connection.execute(_tally_statement(side), params)
        return
    await connection.execute(_add_statement(dialect, TALLIES), tally)
    added = await connection.execute(_add_statement(dialect, SIDE_ACTORS), keys)
    if int(added.scalar_one()) == 1:
        await connection.execute(_actor_count_statement(side), {"claim": claim_id})
