"""Listing claims with their counters: the columns a listed claim shows, the statements of a
page in a sort order past a cursor, and the page's rows as `ClaimListItem` fields."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypedDict, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Uuid,
    bindparam,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from app.claims.filters import ClaimId, FilterShape
from app.claims.rows import (
    CLAIM_COLUMNS,
    ClaimFields,
    ClaimRow,
    claims_out,
    link_columns,
    with_links,
)
from app.claims.schemas import page_links
from app.db.statements import Statement, built_once, columns_of
from app.models import Claim, ClaimStats

# The counters each listed claim shows, read with the page itself.
STATS_COLUMNS = (
    ClaimStats.activity_at,
    ClaimStats.total,
    ClaimStats.support,
    ClaimStats.neutral,
    ClaimStats.dispute,
    ClaimStats.contested,
    ClaimStats.latest_stated_at,
)
# The claim_stats column each sort but `relevance` and `created` orders by.
SORT_COLUMN = {"newest": "activity_at", "stances": "total"}
LIMIT = bindparam("limit", type_=Integer)
T = TypeVar("T")


class ListedRow(ClaimRow, Protocol):
    """A row of a page of claims: CLAIM_COLUMNS, STATS_COLUMNS and, with `q`, the score."""

    activity_at: datetime
    total: int
    support: int
    neutral: int
    dispute: int
    contested: bool
    latest_stated_at: datetime | None
    score: float


class StatsFields(TypedDict):
    """The `ClaimStatsOut` fields."""

    support: int
    neutral: int
    dispute: int
    total: int
    contested: bool
    latest_stated_at: datetime | None


class ListedClaimFields(ClaimFields):
    """The `ClaimListItem` fields, in the model's order, as plain values ready for JSON."""

    stats: StatsFields
    score: float | None
    links: dict[str, str]


def after_key(
    key: ColumnElement[T], claim_id: ClaimId, key_type: TypeEngine[T]
) -> ColumnElement[bool]:
    """(key, claim id) past the cursor's `after_key` and `after_id`, in descending order."""
    bound = tuple_(bindparam("after_key", type_=key_type), bindparam("after_id", type_=Uuid))
    return tuple_(key, claim_id) < bound


def claims_with_stats(claims: FromClause, postgres: bool, shape: FilterShape) -> Statement:
    """The claims' columns (with their links on PostgreSQL) and counters, every filter
    applied: `claims` is the table or a subquery with its columns."""
    columns = (claims.c[c.key] for c in CLAIM_COLUMNS)
    links = link_columns(postgres, claims.c.id)
    stmt = select(*columns, *links, *STATS_COLUMNS)
    stmt = stmt.join_from(claims, ClaimStats, ClaimStats.claim_id == claims.c.id)
    return stmt.where(*shape.conditions(claims.c.id))


@built_once
def listing_statement(postgres: bool, shape: FilterShape, sort: str, after: bool) -> Statement:
    """A page of claims without `q`. The page's ids and counters come from claim_stats in its
    index's order, then the claims' columns of those rows: the read of claim_stats does not
    depend on the size of `claims`."""
    claim_id = ClaimStats.claim_id
    counted = select(claim_id.label("id"), *STATS_COLUMNS).where(*shape.conditions(claim_id))
    listed = in_order(counted, sort, after).subquery("listed")
    stmt = select(*CLAIM_COLUMNS[1:], listed).join_from(listed, Claim, Claim.id == listed.c.id)
    return with_links(stmt, listed.c.id, postgres=postgres)


def in_order(
    stmt: Statement, sort: str, after: bool, *, score: ColumnElement[float] | None = None
) -> Statement:
    """`stmt` (reading claim_stats) in the sort's order, past the cursor if `after`, a page
    and one long: by claim id for `created`, else by `score` or claim_stats' sort column."""
    claim_id = ClaimStats.claim_id
    if sort == "created":
        if after:
            stmt = stmt.where(claim_id > bindparam("after_id", type_=Uuid))
        return stmt.order_by(claim_id).limit(LIMIT)
    key_col = score if sort == "relevance" else ClaimStats.__table__.c[SORT_COLUMN[sort]]
    assert key_col is not None
    if after:
        stmt = stmt.where(after_key(key_col, claim_id, key_col.type))
    # Ties broken by claim_stats' own column, so that (key, claim_id) indexes give the whole
    # order (SQLite does not carry the join's equality into ORDER BY).
    return stmt.order_by(key_col.desc(), claim_id.desc()).limit(LIMIT)


# The `ClaimStatsOut` fields a listed row holds, and its id.
_STATS = ("support", "neutral", "dispute", "total", "contested", "latest_stated_at", "id")


async def listed_items(
    session: AsyncSession, rows: Sequence[ListedRow], *, scored: bool
) -> list[ListedClaimFields]:
    """The rows (the claims' columns and counters) as `ClaimListItem` fields, ready for JSON."""
    claims = await claims_out(session, rows)
    read = columns_of(rows, _STATS + (("score",) if scored else ()))
    items: list[ListedClaimFields] = []
    for claim, row in zip(claims, rows, strict=True):
        support, neutral, dispute, total, contested, latest, claim_id, *score = read(row)
        items.append(
            {
                **claim,
                "stats": {
                    "support": support,
                    "neutral": neutral,
                    "dispute": dispute,
                    "total": total,
                    "contested": bool(contested),
                    "latest_stated_at": latest,
                },
                "score": round(float(score[0]), 6) if scored else None,
                "links": page_links(claim_id),  # last, where the model writes its computed field
            }
        )
    return items


__all__ = ["ListedClaimFields", "ListedRow", "in_order", "listed_items", "listing_statement"]
