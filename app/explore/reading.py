"""First pages the explorer reads through the API's list functions and statements. A page
only needs to know whether there is more, never the cursor itself; the list functions still
sign one when there is, so these pages carry a key of this process's own (their cursors are
never shown)."""

import secrets
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.paging import Cursors, PageParams
from app.db.statements import SqlRow, Statement, select_rows

_UNSHOWN = Cursors(secrets.token_bytes(32))


def first_page(limit: int) -> PageParams:
    """The first `limit` rows of a list, as the explorer reads it."""
    return PageParams(limit=limit, cursors=_UNSHOWN)


async def first_rows(
    session: AsyncSession, listed: tuple[Statement, dict[str, object]], limit: int
) -> tuple[Sequence[SqlRow], bool]:
    """The rows of a list's statement built for `first_page(limit)` (it reads a row more than
    the page), and whether more follow: for pages that make their own views of the rows."""
    statement, params = listed
    rows = await select_rows(session, statement, params)
    return rows[:limit], len(rows) > limit
