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
from operator import attrgetter
from typing import Any, Literal

from sqlalchemy import (
    Float,
    Integer,
    Uuid,
    bindparam,
    column,
    literal_column,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.rows import CLAIM_COLUMNS, claims_out, is_postgres, link_columns, with_links
from app.claims.schemas import page_links
from app.db.engines import built_once, select_rows
from app.errors import InvalidField
from app.http.pagination import PageParams
from app.models import Claim, ClaimStats, ClaimSubject, ClaimTag, Stance
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
# PostgreSQL: each word of each statement with its claim's score, in (lexeme, score, claim_id)
# key order (`claim_terms`, migration 0007, kept by triggers on `claims`). A one-word search
# reads its page from the key in relevance order and stops, whatever the word's place in the
# relevance order of all claims.
CLAIM_TERMS = table(
    "claim_terms", column("lexeme"), column("score", Float), column("claim_id", Uuid)
)
# The lexeme of a one-word `:q`, whose list is walked.
QUERY_LEXEME: Any = (
    text("SELECT lexeme FROM unnest(to_tsvector('claimgraph', :q)) LIMIT 1")
    .columns(column("lexeme"))
    .scalar_subquery()
)
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


def _matches(dialect: str) -> Any:
    """Every claim matching `:q` (statement or quote), with its best score."""
    sql = SQLITE_MATCH if dialect == "sqlite" else POSTGRES_MATCH
    return text(sql).columns(claim_id=Uuid(), score=Float()).subquery("matched")


# The filters on a claim's stances, as bound parameters named like the query parameters.
_STANCE_CONDITIONS: dict[str, Callable[[], Any]] = {
    "actor_id": lambda: Stance.actor_id == bindparam("actor_id", type_=Uuid),
    "side": lambda: Stance.side == bindparam("side"),
    "label": lambda: Stance.label == bindparam("label"),
    "since": lambda: Stance.stated_at >= bindparam("since", type_=Stance.stated_at.type),
    "until": lambda: Stance.stated_at <= bindparam("until", type_=Stance.stated_at.type),
}


def _filters(claim_id: Any, contested: bool | None, given: tuple[str, ...]) -> list[Any]:
    """The conditions of the filters named in `given` (their values bound by name) and of
    `contested`, on a claim's id and on claim_stats."""
    conditions = []
    if contested is not None:
        conditions.append(ClaimStats.contested.is_(contested))
    stance = [_STANCE_CONDITIONS[name]() for name in given if name in _STANCE_CONDITIONS]
    if stance:
        current = select(Stance.claim_id).where(Stance.retracted_at.is_(None), *stance)
        conditions.append(claim_id.in_(current))
    if "tag" in given:
        tagged = select(ClaimTag.claim_id).where(ClaimTag.tag == bindparam("tag"))
        conditions.append(claim_id.in_(tagged))
    if "about_actor_id" in given:
        about = ClaimSubject.actor_id == bindparam("about_actor_id", type_=Uuid)
        conditions.append(claim_id.in_(select(ClaimSubject.claim_id).where(about)))
    return conditions


def _claims(claims: Any, postgres: bool, contested: bool | None, given: tuple[str, ...]) -> Any:
    """The claims' columns (with their links on PostgreSQL) and counters, every filter
    applied: `claims` is the table or a subquery with its columns."""
    columns = (claims.c[c.key] for c in CLAIM_COLUMNS)
    links = link_columns(postgres, claims.c.id)
    stmt = select(*columns, *links, *STATS_COLUMNS)
    stmt = stmt.join_from(claims, ClaimStats, ClaimStats.claim_id == claims.c.id)
    return stmt.where(*_filters(claims.c.id, contested, given))


def _after(key: Any, claim_id: Any, key_type: Any) -> Any:
    """(key, claim id) past the cursor's `after_key` and `after_id`, in descending order."""
    bound = tuple_(bindparam("after_key", type_=key_type), bindparam("after_id", type_=Uuid))
    return tuple_(key, claim_id) < bound


LIMIT = bindparam("limit", type_=Integer)


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
    """One page of claims matching every filter, in the chosen order, and the next cursor.
    Each statement is built once per combination of filters (building a statement and its
    cache key on every request cost more than running it); the values, the cursor and the
    page's size are bound parameters."""
    sort = sort or ("relevance" if q is not None else "created")
    if sort == "relevance" and q is None:
        raise InvalidField("sort", "`relevance` needs `q`", location="query")
    postgres = is_postgres(session)
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
    if q is not None:
        params["q"] = _bound("postgresql" if postgres else "sqlite", q)
    shape = (postgres, contested, tuple(given))
    if sort == "relevance":
        assert q is not None
        if page.key is not None:
            params["after_key"], params["after_id"] = page.key_as(float, uuid.UUID)
        one_word = len(search_words(q)) == 1
        rows = await _statement_page(session, shape, page.key is not None, one_word, params)
        if len(rows) > page.limit:
            return await _page(session, rows, page, sort)
    elif page.key is not None:
        if sort == "created":
            params["after_id"] = page.after
        else:
            params["after_key"], params["after_id"] = page.key_as(KEY_PARSERS[sort], uuid.UUID)
    if q is None:
        listing = _listing_statement(*shape, sort, page.key is not None)
        # The join may return the page's rows in any order: they are put back in the page's
        # order here (at most a page and one), not by sorting in SQL once more.
        rows = list(await select_rows(session, listing, params))
        if sort == "created":
            rows.sort(key=attrgetter("id"))
        else:
            rows.sort(key=attrgetter(SORT_COLUMN[sort], "id"), reverse=True)
        return await _page(session, rows, page, sort, scored=False)
    stmt = _ranked_statement(*shape, sort, page.key is not None)
    return await _page(session, list(await select_rows(session, stmt, params)), page, sort)


@built_once
def _listing_statement(
    postgres: bool, contested: bool | None, given: tuple[str, ...], sort: str, after: bool
) -> Any:
    """A page of claims without `q`. The page's ids and counters come from claim_stats in its
    index's order, then the claims' columns of those rows: the read of claim_stats does not
    depend on the size of `claims`."""
    claim_id = ClaimStats.claim_id
    counted = select(claim_id.label("id"), *STATS_COLUMNS)
    counted = counted.where(*_filters(claim_id, contested, given))
    listed = _in_order(counted, sort, after).subquery("listed")
    stmt = select(*CLAIM_COLUMNS[1:], listed).join_from(listed, Claim, Claim.id == listed.c.id)
    return with_links(stmt, listed.c.id) if postgres else stmt


@built_once
def _ranked_statement(
    postgres: bool, contested: bool | None, given: tuple[str, ...], sort: str, after: bool
) -> Any:
    """A page of the claims matching `:q` in statement or quote, in the sort's order."""
    matched = _matches("postgresql" if postgres else "sqlite")
    stmt = _claims(Claim.__table__, postgres, contested, given)
    stmt = stmt.join(matched, matched.c.claim_id == Claim.id).add_columns(matched.c.score)
    return _in_order(stmt, sort, after, score=matched.c.score)


def _in_order(stmt: Any, sort: str, after: bool, *, score: Any = None) -> Any:
    """`stmt` (reading claim_stats) in the sort's order, past the cursor if `after`, a page
    and one long: by claim id for `created`, else by `score` or claim_stats' sort column."""
    claim_id = ClaimStats.claim_id
    if sort == "created":
        if after:
            stmt = stmt.where(claim_id > bindparam("after_id", type_=Uuid))
        return stmt.order_by(claim_id).limit(LIMIT)
    key_col = score if sort == "relevance" else ClaimStats.__table__.c[SORT_COLUMN[sort]]
    if after:
        stmt = stmt.where(_after(key_col, claim_id, key_col.type))
    # Ties broken by claim_stats' own column, so that (key, claim_id) indexes give the whole
    # order (SQLite does not carry the join's equality into ORDER BY).
    return stmt.order_by(key_col.desc(), claim_id.desc()).limit(LIMIT)


async def _statement_page(
    session: AsyncSession,
    shape: tuple[bool, bool | None, tuple[str, ...]],
    after: bool,
    one_word: bool,
    params: dict[str, Any],
) -> list[Any]:
    """Up to a page and one of the claims whose statement matches `q`, by relevance."""
    postgres, contested, given = shape
    if postgres and one_word and contested is None and not given:
        # Every claim in the word's list matches: its first page and one are the page, unless
        # the word is in fewer statements than that (then ranking its few matches is cheap).
        rows = list(await select_rows(session, _term_page(after), params))
        if len(rows) == params["limit"]:
            return rows
    elif postgres:
        walk = _walk_statement(*shape, after)
        walked = list(await select_rows(session, walk, {**params, "walk": STATEMENT_WALK}))
        if len(walked) == params["limit"]:  # a page and one: no claim further down ranks above
            return walked
    rows = list(await select_rows(session, _statement_tier(*shape, after), params))
    if postgres:  # joined after the ranking: put back in the ranking's order
        rows.sort(key=attrgetter("score", "id"), reverse=True)
    return rows


@built_once
def _term_page(after: bool) -> Any:
    """PostgreSQL, one word and no filter: a page and one of the claims whose statement holds
    the word, read from `claim_terms` in relevance order. The walk's LIMIT is the page's: the
    planner then reads the key in order and stops (with a longer walk it would rather sort the
    word's whole list)."""
    terms = CLAIM_TERMS
    walked = select(terms.c.claim_id, terms.c.score).where(terms.c.lexeme == QUERY_LEXEME)
    if after:
        walked = walked.where(_after(terms.c.score, terms.c.claim_id, Float()))
    order = (terms.c.score.desc(), terms.c.claim_id.desc())
    walk = walked.order_by(*order).limit(LIMIT).subquery("walk")
    stmt = _with_claims(walk, walk.c.claim_id).where(text(STATEMENT_MATCH["postgresql"]))
    return stmt.order_by(walk.c.score.desc(), walk.c.claim_id.desc()).limit(LIMIT)


def _with_claims(ranked: Any, claim_id: Any) -> Any:
    """PostgreSQL: the rows of `ranked` (claim ids with their scores) joined to their claims'
    columns, links and counters."""
    stmt = select(*CLAIM_COLUMNS, *STATS_COLUMNS, ranked.c.score)
    stmt = stmt.join_from(ranked, Claim, Claim.id == claim_id)
    return with_links(stmt.join(ClaimStats, ClaimStats.claim_id == claim_id), claim_id)


@built_once
def _walk_statement(
    postgres: bool, contested: bool | None, given: tuple[str, ...], after: bool
) -> Any:
    """PostgreSQL: the matches among the next `:walk` claims in relevance order (the
    index `ix_claims_statement_relevance`). When they fill a page, no claim further down can
    rank above them; when they do not, the caller ranks every match instead."""
    score = literal_column(STATEMENT_SCORE["postgresql"], Float)
    walked = select(*CLAIM_COLUMNS, literal_column("search_vector"), score.label("score"))
    if after:
        walked = walked.where(_after(score, Claim.id, Float()))
    walked = walked.order_by(score.desc(), Claim.id.desc())
    walk = walked.limit(bindparam("walk", type_=Integer)).subquery("walk")
    stmt = _claims(walk, postgres, contested, given).add_columns(walk.c.score)
    match = text("walk.search_vector @@ plainto_tsquery('claimgraph', :q)")
    return stmt.where(match).order_by(walk.c.score.desc(), walk.c.id.desc()).limit(LIMIT)


@built_once
def _statement_tier(
    postgres: bool, contested: bool | None, given: tuple[str, ...], after: bool
) -> Any:
    """Every claim whose statement matches `:q`, ranked, a page and one of them."""
    dialect = "postgresql" if postgres else "sqlite"
    score = literal_column(STATEMENT_SCORE[dialect], Float).label("score")
    match = text(STATEMENT_MATCH[dialect])
    if not postgres:
        stmt = _claims(Claim.__table__, postgres, contested, given).add_columns(score)
        stmt = stmt.where(match)
        if after:
            stmt = stmt.where(_after(score, Claim.id, Float()))
        return stmt.order_by(score.desc(), Claim.id.desc()).limit(LIMIT)
    # Past the walk: every match from the GIN index, ranked by its score alone (OFFSET 0 keeps
    # the planner from walking the relevance index again, match by match); the page's rows
    # are then joined to their columns and counters, and put back in order by the caller.
    matched = select(Claim.id, score).where(match, *_filters(Claim.id, contested, given))
    if contested is not None:
        matched = matched.join(ClaimStats, ClaimStats.claim_id == Claim.id)
    found = matched.offset(0).subquery("matched")
    top = select(found)
    if after:
        top = top.where(_after(found.c.score, found.c.id, Float()))
    ranked = top.order_by(found.c.score.desc(), found.c.id.desc()).limit(LIMIT).subquery("ranked")
    return _with_claims(ranked, ranked.c.id)


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
            page.cursor(last.id)
            if sort == "created"
            else page.cursor(KEY_OF_ROW[sort](last), last.id)
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
            "links": page_links(r.id),  # last, where the model writes its computed field
        }
        for claim, r in zip(claims, rows, strict=True)
    ]


__all__ = ["search_claims", "search_words"]
