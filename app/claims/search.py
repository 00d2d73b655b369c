"""Finding claims: full-text search over statements and quotes, filters, and sort orders.

Full text runs on SQLite's FTS5 and on PostgreSQL's tsvector/GIN, set up alike (Porter
stemming, no stop words, accents and punctuation ignored): both match claims whose statement, or
any stance's quote on them, contains every word of `q` (after stemming), and rank them alike.
"""

import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Float, Uuid, literal_column, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.rows import CLAIM_COLUMNS, claim_links, claim_out_fields
from app.errors import InvalidField
from app.models import Claim, ClaimStats, ClaimSubject, ClaimTag, Stance
from app.pagination import PageParams, encode_cursor
from app.vocabulary import ClaimSort, StanceLabel, StanceSide

Sort = ClaimSort | Literal["relevance", "newest", "stances", "created"]
# The sort key of a row as it goes into a cursor, and back out of one.
KEY_OF_ROW: dict[str, Callable[[Any], Any]] = {
    "relevance": lambda row: row.score,
    "newest": lambda row: row.activity_at.isoformat(),
    "stances": lambda row: row.total,
}
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
KEY_PARSERS: dict[str, Callable[[Any], Any]] = {
    "relevance": float,
    "newest": datetime.fromisoformat,
    "stances": int,
}

# Relevance: a claim whose statement matches ranks above one matched only through a quote; in
# each tier the shorter matching text ranks higher (what BM25 reduces to when each word occurs
# once, as in one-sentence statements and quotes). The score depends on the matching text
# alone, not on the rest of the corpus, so both databases give the same order, and writing
# other claims does not move a listed claim between pages.
SQLITE_MATCH = """
SELECT claim_id, MAX(score) AS score FROM (
    SELECT claim_id, 1 + 1.0 / (1 + length(statement)) AS score
    FROM claims_fts WHERE claims_fts MATCH :q
    UNION ALL
    SELECT claim_id, 1.0 / (1 + length(quote)) AS score
    FROM stances_fts WHERE stances_fts MATCH :q
) GROUP BY claim_id
"""
POSTGRES_MATCH = """
SELECT claim_id, MAX(score) AS score FROM (
    SELECT id AS claim_id, 1 + 1 / (1 + length(statement))::float8 AS score
    FROM claims WHERE search_vector @@ plainto_tsquery('claimgraph', :q)
    UNION ALL
    SELECT claim_id, 1 / (1 + length(quote))::float8 AS score
    FROM stances WHERE quote_vector @@ plainto_tsquery('claimgraph', :q)
) AS matched GROUP BY claim_id
"""


# The statement tier alone: a claim whose statement matches outranks every claim matched only
# through a quote, so when the statement matches fill a page, that page is the page. The score
# is written as the PostgreSQL expression index `ix_claims_statement_relevance` is (migration
# 0006), so that a common word's page is read in index order, stopping after a page, instead
# of ranking tens of thousands of matches.
STATEMENT_SCORE = {
    "postgresql": "1 + 1 / (1 + length(claims.statement))::float8",
    "sqlite": "1 + 1.0 / (1 + length(claims.statement))",
}
STATEMENT_MATCH = {
    "postgresql": "claims.search_vector @@ plainto_tsquery('claimgraph', :q)",
    "sqlite": "claims.id IN (SELECT claim_id FROM claims_fts WHERE claims_fts MATCH :q)",
}


def search_words(q: str) -> list[str]:
    """The words of a query: runs of letters and digits (punctuation and `_` separate), as
    both engines split text."""
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFC", q))


def _bound(dialect: str, q: str) -> str:
    """`q` as the engine's match parameter."""
    words = search_words(q)
    if not words:
        raise InvalidField("q", "must contain at least one word", location="query")
    # Each word quoted for FTS5: query syntax in user input is taken literally.
    return " ".join(f'"{w}"' for w in words) if dialect == "sqlite" else " ".join(words)


def _matches(dialect: str, q: str) -> Any:
    sql = SQLITE_MATCH if dialect == "sqlite" else POSTGRES_MATCH
    return (
        text(sql)
        .bindparams(q=_bound(dialect, q))
        .columns(claim_id=Uuid(), score=Float())
        .subquery("matched")
    )


async def search_claims(
    session: AsyncSession,
    page: PageParams,
    *,
    q: str | None = None,
    actor_id: uuid.UUID | None = None,
    side: StanceSide | None = None,
    label: StanceLabel | None = None,
    contested: bool | None = None,
    tag: str | None = None,
    about_actor_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: Sort | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of claims matching every filter, in the chosen order, and the next cursor."""
    sort = sort or ("relevance" if q is not None else "created")
    if sort == "relevance" and q is None:
        raise InvalidField("sort", "`relevance` needs `q`", location="query")
    # The claims' columns come with the page: 51 rows' worth, read in the same index walk.
    stmt = select(*CLAIM_COLUMNS, *STATS_COLUMNS).join(ClaimStats, ClaimStats.claim_id == Claim.id)
    stance_filters: list[Any] = []
    if actor_id is not None:
        stance_filters.append(Stance.actor_id == actor_id)
    if side is not None:
        stance_filters.append(Stance.side == side)
    if label is not None:
        stance_filters.append(Stance.label == label)
    if since is not None:
        stance_filters.append(Stance.stated_at >= since)
    if until is not None:
        stance_filters.append(Stance.stated_at <= until)
    if stance_filters:
        stmt = stmt.where(
            Claim.id.in_(
                select(Stance.claim_id).where(Stance.retracted_at.is_(None), *stance_filters)
            )
        )
    if contested is not None:
        stmt = stmt.where(ClaimStats.contested.is_(contested))
    if tag is not None:
        stmt = stmt.where(Claim.id.in_(select(ClaimTag.claim_id).where(ClaimTag.tag == tag)))
    if about_actor_id is not None:
        stmt = stmt.where(
            Claim.id.in_(
                select(ClaimSubject.claim_id).where(ClaimSubject.actor_id == about_actor_id)
            )
        )
    dialect = session.get_bind().dialect.name
    if q is not None and sort == "relevance":
        rows = await _statement_page(session, stmt, dialect, q, page)
        if len(rows) > page.limit:
            return await _page(session, rows, page, sort)
    score_col: Any = None
    if q is not None:
        matched = _matches(dialect, q)
        stmt = stmt.join(matched, matched.c.claim_id == Claim.id).add_columns(matched.c.score)
        score_col = matched.c.score
    key_col = {
        "relevance": score_col,
        "newest": ClaimStats.activity_at,
        "stances": ClaimStats.total,
        "created": None,
    }[sort]
    if key_col is None:
        if page.key is not None:
            stmt = stmt.where(Claim.id > page.after)
        stmt = stmt.order_by(Claim.id)
    else:
        if page.key is not None:
            after_key, after_id = page.key_as(KEY_PARSERS[sort], uuid.UUID)
            stmt = stmt.where(tuple_(key_col, ClaimStats.claim_id) < tuple_(after_key, after_id))
        # Ties broken by claim_stats' own column, so that (key, claim_id) indexes give the
        # whole order (SQLite does not carry the join's equality into ORDER BY).
        stmt = stmt.order_by(key_col.desc(), ClaimStats.claim_id.desc())
    rows = list((await session.execute(stmt.limit(page.limit + 1))).all())
    return await _page(session, rows, page, sort, scored=q is not None)


async def _statement_page(
    session: AsyncSession, filtered: Any, dialect: str, q: str, page: PageParams
) -> list[Any]:
    """Up to a page and one of the claims whose statement matches `q`, by relevance."""
    score = literal_column(STATEMENT_SCORE[dialect], Float).label("score")
    stmt = filtered.add_columns(score).where(
        text(STATEMENT_MATCH[dialect]).bindparams(q=_bound(dialect, q))
    )
    if page.key is not None:
        after_key, after_id = page.key_as(float, uuid.UUID)
        stmt = stmt.where(tuple_(score, Claim.id) < tuple_(after_key, after_id))
    stmt = stmt.order_by(score.desc(), Claim.id.desc()).limit(page.limit + 1)
    return list((await session.execute(stmt)).all())


async def _page(
    session: AsyncSession,
    rows: list[Any],
    page: PageParams,
    sort: str,
    *,
    scored: bool = True,
) -> tuple[list[dict[str, Any]], str | None]:
    """The listed claims of one page read with a row more, and the cursor past them."""
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = await _items(session, rows, scored=scored)
    cursor = None
    if more:
        last = rows[-1]
        cursor = (
            encode_cursor(last.id)
            if sort == "created"
            else encode_cursor(KEY_OF_ROW[sort](last), last.id)
        )
    return items, cursor


async def _items(session: AsyncSession, rows: list[Any], *, scored: bool) -> list[dict[str, Any]]:
    """The rows (the claims' columns and counters) as `ClaimListItem` fields, ready for JSON."""
    tags, subjects = await claim_links(session, [r.id for r in rows])
    return [
        {
            **claim_out_fields(r, tags, subjects),
            "stats": {
                "support": r.support,
                "neutral": r.neutral,
                "dispute": r.dispute,
                "total": r.total,
                "contested": bool(r.contested),
                "latest_stated_at": r.latest_stated_at,
            },
            "score": round(float(r.score), 6) if scored else None,
        }
        for r in rows
    ]


__all__ = ["search_claims", "search_words"]
