"""First pages the explorer reads through the API's list functions. A page only needs to
know whether there is more, never the cursor itself; the list functions still sign one when
there is, so these pages carry a key of this process's own (their cursors are never shown)."""

import secrets

from app.http.pagination import Cursors, PageParams

_UNSHOWN = Cursors(secrets.token_bytes(32))


def first_page(limit: int) -> PageParams:
    """The first `limit` rows of a list, as the explorer reads it."""
    return PageParams(limit=limit, cursors=_UNSHOWN)
