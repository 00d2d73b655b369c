"""Finding claims (`GET /v1/claims`): one page of the claims matching a query's full text and
filters, in its sort order, and the cursor past it.

The statements are built once per combination of filters (building a statement and its cache
key on every request cost more than running it); the values, the cursor and the page's size
are bound parameters. `app.claims.filters` turns the query into conditions and values,
`app.claims.listing` lists claims without `q`, `app.claims.ranking` ranks them with it.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter

from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.filters import ClaimQuery, FilterShape, claim_filters
from app.claims.listing import (
    SORT_COLUMN,
    ListedClaimFields,
    ListedRow,
    listed_items,
    listing_statement,
)
from app.claims.ranking import (
    match_parameter,
    ranked_statement,
    search_words,
    statement_tier,
    term_page,
    walk_statement,
)
from app.claims.rows import is_postgres
from app.db.paging import CursorValue, PageParams, Reader
from app.db.statements import select_rows
from app.errors import InvalidField

# The sort key of a row as it goes into a cursor, and back out of one.
KEY_OF_ROW: dict[str, Callable[[ListedRow], CursorValue]] = {
    "relevance": lambda row: row.score,
    "newest": lambda row: row.activity_at.isoformat(),
    "stances": lambda row: row.total,
}
KEY_PARSERS: dict[str, Reader[object]] = {
    "relevance": float,
    "newest": datetime.fromisoformat,
    "stances": int,
}
# How far down the relevance index a search walks before it ranks every match instead. A word
# in one claim in d has a page among the first 51/d claims; ranking all its matches reads
# d x 100,000 rows at 100k claims: the two cost alike near d = 2%, 2,500 claims. Measured at
# 100k claims (BENCHMARKS.md, Q4): a walk of 2,000 takes about 2 ms, ranking 10,000 matches 7 ms,
# where an unbounded walk took up to 52 ms for a word whose matches are all long statements.
STATEMENT_WALK = 2_000


async def search_claims(
    session: AsyncSession, page: PageParams, query: ClaimQuery
) -> tuple[list[ListedClaimFields], str | None]:
    """One page of claims matching every filter of `query`, in its order, and the next
    cursor."""
    q = query.q
    sort = query.sort or ("relevance" if q is not None else "created")
    if sort == "relevance" and q is None:
        raise InvalidField("sort", "`relevance` needs `q`", location="query")
    postgres = is_postgres(session)
    shape, params = claim_filters(query)
    params["limit"] = page.limit + 1
    if q is not None:
        params["q"] = match_parameter("postgresql" if postgres else "sqlite", q)
    rows: list[ListedRow]
    if sort == "relevance":
        assert q is not None
        if page.key is not None:
            params["after_key"], params["after_id"] = page.key_as(float, uuid.UUID)
        one_word = len(search_words(q)) == 1
        rows = await _statement_page(
            session, postgres, shape, page.key is not None, one_word, params
        )
        if len(rows) > page.limit:
            return await _page(session, rows, page, sort)
    elif page.key is not None:
        if sort == "created":
            params["after_id"] = page.after
        else:
            params["after_key"], params["after_id"] = page.key_as(KEY_PARSERS[sort], uuid.UUID)
    if q is None:
        listing = listing_statement(postgres, shape, sort, page.key is not None)
        # The join may return the page's rows in any order: they are put back in the page's
        # order here (at most a page and one), not by sorting in SQL once more.
        rows = list(await select_rows(session, listing, params))
        if sort == "created":
            rows.sort(key=attrgetter("id"))
        else:
            rows.sort(key=attrgetter(SORT_COLUMN[sort], "id"), reverse=True)
        return await _page(session, rows, page, sort, scored=False)
    stmt = ranked_statement(postgres, shape, sort, page.key is not None)
    return await _page(session, list(await select_rows(session, stmt, params)), page, sort)


async def _statement_page(
    session: AsyncSession,
    postgres: bool,
    shape: FilterShape,
    after: bool,
    one_word: bool,
    params: dict[str, object],
) -> list[ListedRow]:
    """Up to a page and one of the claims whose statement matches `q`, by relevance."""
    rows: list[ListedRow]
    if postgres and one_word and shape.contested is None and not shape.given:
        # Every claim in the word's list matches: its first page and one are the page, unless
        # the word is in fewer statements than that (then ranking its few matches is cheap).
        rows = list(await select_rows(session, term_page(after), params))
        if len(rows) == params["limit"]:
            return rows
    elif postgres:
        walk = walk_statement(postgres, shape, after)
        walked: list[ListedRow] = list(
            await select_rows(session, walk, {**params, "walk": STATEMENT_WALK})
        )
        if len(walked) == params["limit"]:  # a page and one: no claim further down ranks above
            return walked
    rows = list(await select_rows(session, statement_tier(postgres, shape, after), params))
    if postgres:  # joined after the ranking: put back in the ranking's order
        rows.sort(key=attrgetter("score", "id"), reverse=True)
    return rows


async def _page(
    session: AsyncSession,
    rows: Sequence[ListedRow],
    page: PageParams,
    sort: str,
    *,
    scored: bool = True,
) -> tuple[list[ListedClaimFields], str | None]:
    """The listed claims of one page read with a row more, and the cursor past them."""
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = await listed_items(session, rows, scored=scored)
    cursor = None
    if more:
        last = rows[-1]
        cursor = (
            page.cursor(last.id)
            if sort == "created"
            else page.cursor(KEY_OF_ROW[sort](last), last.id)
        )
    return items, cursor


__all__ = ["ClaimQuery", "search_claims", "search_words"]
