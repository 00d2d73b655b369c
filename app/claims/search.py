"""Finding claims: full-text search over statements and quotes, filters, and sort orders.

Full text runs on SQLite's FTS5 and on PostgreSQL's tsvector/GIN, set up alike (Porter
stemming, no stop words, accents and punctuation ignored): both match claims whose statement, or
any stance's quote on them, contains every word of `q` (after stemming), and rank them alike.
"""

import functools
import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal

from sqlalchemy import Float, Integer, Uuid, bindparam, literal_column, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.rows import CLAIM_COLUMNS, claims_out, link_columns
from app.db import select_rows
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
# The claim_stats column each sort but `relevance` and `created` orders by.
SORT_COLUMN = {"newest": "activity_at", "stances": "total"}
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
# How far down the relevance index a search walks before it ranks every match instead. A word
# in one claim in d has a page among the first 51/d claims; ranking all its matches reads
# d x 100,000 rows at 100k claims: the two cost alike near d = 2%, 2,500 claims. Measured at
# 100k claims (BENCHMARKS.md, Q4): a walk of 2,000 takes about 2 ms, ranking 10,000 matches 7 ms,
# where an unbounded walk took up to 52 ms for a word whose matches are all long statements.
STATEMENT_WALK = 2_000
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
    dialect = session.get_bind().dialect.name
    # Conditions on a claim's id, applied to `claims` or to the statement walk's rows alike.
    on_id: list[Callable[[Any], Any]] = []
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
        with_stance = select(Stance.claim_id).where(Stance.retracted_at.is_(None), *stance_filters)
        on_id.append(lambda claim_id: claim_id.in_(with_stance))
    if tag is not None:
        tagged = select(ClaimTag.claim_id).where(ClaimTag.tag == tag)
        on_id.append(lambda claim_id: claim_id.in_(tagged))
    if about_actor_id is not None:
        about = select(ClaimSubject.claim_id).where(ClaimSubject.actor_id == about_actor_id)
        on_id.append(lambda claim_id: claim_id.in_(about))

    def filtered(claims: Any, *, ids_only: bool = False) -> Any:
        """The claims' columns and counters, every filter applied: `claims` is the table or
        a subquery with its columns. The claims' columns come with the page: 51 rows' worth,
        read in the same index walk. `ids_only`: the ids alone, claim_stats read only to
        filter on it."""
        if ids_only:
            stmt = select(claims.c.id)
            if contested is not None:
                stmt = stmt.join_from(claims, ClaimStats, ClaimStats.claim_id == claims.c.id)
        else:
            columns = (claims.c[c.key] for c in CLAIM_COLUMNS)
            links = link_columns(dialect == "postgresql", claims.c.id)
            stmt = select(*columns, *links, *STATS_COLUMNS).join_from(
                claims, ClaimStats, ClaimStats.claim_id == claims.c.id
            )
        if contested is not None:
            stmt = stmt.where(ClaimStats.contested.is_(contested))
        return stmt.where(*(condition(claims.c.id) for condition in on_id))

    if q is not None and sort == "relevance":
        rows = await _statement_page(session, filtered, dialect, q, page)
        if len(rows) > page.limit:
            return await _page(session, rows, page, sort)
    if q is None:
        given = {
            name: value
            for name, value in (
                ("actor_id", actor_id),
                ("side", side),
                ("label", label),
                ("since", since),
                ("until", until),
                ("tag", tag),
                ("about_actor_id", about_actor_id),
            )
            if value is not None
        }
        params: dict[str, Any] = {**given, "limit": page.limit + 1}
        if page.key is not None:
            if sort == "created":
                params["after_id"] = page.after
            else:
                params["after_key"], params["after_id"] = page.key_as(KEY_PARSERS[sort], uuid.UUID)
        listing = _listing_statement(
            dialect == "postgresql", sort, contested, tuple(given), page.key is not None
        )
        # The join may return the page's rows in any order: they are put back in the page's
        # order here (at most a page and one), not by sorting in SQL once more.
        rows = list(await select_rows(session, listing, params))
        if sort == "created":
            rows.sort(key=attrgetter("id"))
        else:
            rows.sort(key=attrgetter(SORT_COLUMN[sort], "id"), reverse=True)
        return await _page(session, rows, page, sort, scored=False)
    matched = _matches(dialect, q)
    stmt = filtered(Claim.__table__).join(matched, matched.c.claim_id == Claim.id)
    stmt = _ordered(
        stmt.add_columns(matched.c.score), sort, page, ClaimStats.claim_id, score=matched.c.score
    )
    rows = list(await select_rows(session, stmt))
    return await _page(session, rows, page, sort)


# A listing's filters on a claim's stances, as bound parameters of the same names.
_STANCE_CONDITIONS: dict[str, Callable[[], Any]] = {
    "actor_id": lambda: Stance.actor_id == bindparam("actor_id", type_=Uuid),
    "side": lambda: Stance.side == bindparam("side"),
    "label": lambda: Stance.label == bindparam("label"),
    "since": lambda: Stance.stated_at >= bindparam("since", type_=Stance.stated_at.type),
    "until": lambda: Stance.stated_at <= bindparam("until", type_=Stance.stated_at.type),
}


@functools.cache
def _listing_statement(
    postgres: bool, sort: str, contested: bool | None, given: tuple[str, ...], after: bool
) -> Any:
    """A page of claims without `q`, built once per combination of filters, with the filters'
    values, the cursor (`after_key`, `after_id`) and `limit` as bound parameters (building the
    statement and its cache key on every request cost 7% of a listing's time). The page's ids
    and counters come from claim_stats in its index's order, then the claims' columns of those
    rows: the read of claim_stats does not depend on the size of `claims`."""
    claim_id = ClaimStats.claim_id
    counted = select(claim_id.label("id"), *STATS_COLUMNS)
    if contested is not None:
        counted = counted.where(ClaimStats.contested.is_(contested))
    stance_conditions = [_STANCE_CONDITIONS[name]() for name in given if name in _STANCE_CONDITIONS]
    if stance_conditions:
        current = select(Stance.claim_id).where(Stance.retracted_at.is_(None), *stance_conditions)
        counted = counted.where(claim_id.in_(current))
    if "tag" in given:
        counted = counted.where(
            claim_id.in_(select(ClaimTag.claim_id).where(ClaimTag.tag == bindparam("tag")))
        )
    if "about_actor_id" in given:
        about = ClaimSubject.actor_id == bindparam("about_actor_id", type_=Uuid)
        counted = counted.where(claim_id.in_(select(ClaimSubject.claim_id).where(about)))
    after_id = bindparam("after_id", type_=Uuid)
    if sort == "created":
        if after:
            counted = counted.where(claim_id > after_id)
        counted = counted.order_by(claim_id)
    else:
        key_col = ClaimStats.__table__.c[SORT_COLUMN[sort]]
        if after:
            after_key = bindparam("after_key", type_=key_col.type)
            counted = counted.where(tuple_(key_col, claim_id) < tuple_(after_key, after_id))
        # Ties broken by claim_stats' own column, so that (key, claim_id) indexes give the
        # whole order (SQLite does not carry the join's equality into ORDER BY).
        counted = counted.order_by(key_col.desc(), claim_id.desc())
    listed = counted.limit(bindparam("limit", type_=Integer)).subquery("listed")
    links = link_columns(postgres, listed.c.id)
    stmt = select(*CLAIM_COLUMNS[1:], *links, listed)
    return stmt.join_from(listed, Claim, Claim.id == listed.c.id)


def _ordered(stmt: Any, sort: str, page: PageParams, claim_id: Any, *, score: Any = None) -> Any:
    """`stmt` in the sort's order, past the page's cursor, a page and one long."""
    key_col = score if sort == "relevance" else SORT_COLUMN.get(sort)
    if key_col is None:
        if page.key is not None:
            stmt = stmt.where(claim_id > page.after)
        stmt = stmt.order_by(claim_id)
    else:
        if isinstance(key_col, str):
            key_col = ClaimStats.__table__.c[key_col]
        if page.key is not None:
            after_key, after_id = page.key_as(KEY_PARSERS[sort], uuid.UUID)
            stmt = stmt.where(tuple_(key_col, claim_id) < tuple_(after_key, after_id))
        # Ties broken by claim_stats' own column, so that (key, claim_id) indexes give the
        # whole order (SQLite does not carry the join's equality into ORDER BY).
        stmt = stmt.order_by(key_col.desc(), claim_id.desc())
    return stmt.limit(page.limit + 1)


async def _statement_page(
    session: AsyncSession, filtered: Callable[..., Any], dialect: str, q: str, page: PageParams
) -> list[Any]:
    """Up to a page and one of the claims whose statement matches `q`, by relevance."""
    bound = _bound(dialect, q)
    after = page.key_as(float, uuid.UUID) if page.key is not None else None
    if dialect == "postgresql":
        walked = list(
            await select_rows(session, _walk_statement(filtered, bound, after, page.limit))
        )
        if len(walked) > page.limit:
            return walked
    score = literal_column(STATEMENT_SCORE[dialect], Float).label("score")
    match = text(STATEMENT_MATCH[dialect]).bindparams(q=bound)
    if dialect != "postgresql":
        stmt = filtered(Claim.__table__).add_columns(score).where(match)
        if after is not None:
            stmt = stmt.where(tuple_(score, Claim.id) < tuple_(*after))
        stmt = stmt.order_by(score.desc(), Claim.id.desc()).limit(page.limit + 1)
        return list(await select_rows(session, stmt))
    # Past the walk: every match from the GIN index, ranked by its score alone (OFFSET 0 keeps
    # the planner from walking the relevance index again, match by match); the page's rows
    # are then joined to their columns and counters, and put back in order here.
    matched = filtered(Claim.__table__, ids_only=True).add_columns(score).where(match)
    found = matched.offset(0).subquery("matched")
    top = select(found)
    if after is not None:
        top = top.where(tuple_(found.c.score, found.c.id) < tuple_(*after))
    top = top.order_by(found.c.score.desc(), found.c.id.desc()).limit(page.limit + 1)
    ranked = top.subquery("ranked")
    stmt = (
        select(*CLAIM_COLUMNS, *link_columns(True, Claim.id), *STATS_COLUMNS, ranked.c.score)
        .join_from(ranked, Claim, Claim.id == ranked.c.id)
        .join(ClaimStats, ClaimStats.claim_id == ranked.c.id)
    )
    page_rows = list(await select_rows(session, stmt))
    page_rows.sort(key=attrgetter("score", "id"), reverse=True)
    return page_rows


def _walk_statement(
    filtered: Callable[[Any], Any], bound: str, after: list[Any] | None, limit: int
) -> Any:
    """PostgreSQL: the matches among the next STATEMENT_WALK claims in relevance order (the
    index `ix_claims_statement_relevance`). When they fill a page, no claim further down can
    rank above them; when they do not, the caller ranks every match instead."""
    score = literal_column(STATEMENT_SCORE["postgresql"], Float)
    walked = select(*CLAIM_COLUMNS, literal_column("search_vector"), score.label("score"))
    if after is not None:
        walked = walked.where(tuple_(score, Claim.id) < tuple_(*after))
    walk = walked.order_by(score.desc(), Claim.id.desc()).limit(STATEMENT_WALK).subquery("walk")
    stmt = filtered(walk).add_columns(walk.c.score)
    match = text("walk.search_vector @@ plainto_tsquery('claimgraph', :q)").bindparams(q=bound)
    return stmt.where(match).order_by(walk.c.score.desc(), walk.c.id.desc()).limit(limit + 1)


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
    claims = await claims_out(session, rows)
    return [
        {
            **claim,
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
        for claim, r in zip(claims, rows, strict=True)
    ]


__all__ = ["search_claims", "search_words"]
