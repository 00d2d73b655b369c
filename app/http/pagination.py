"""Pages over HTTP: a list's page read from its request (`limit`, `cursor`, the list's scope)
and the next page advertised in an RFC 8288 `Link` header. The pages themselves are
`app.db.paging`'s."""

from typing import Annotated

from fastapi import Query, Request, Response

from app.db.paging import DEFAULT_LIMIT, MAX_LIMIT, Cursors, PageParams


def list_scope(request: Request, *page_names: str) -> str:
    """What a cursor is bound to: the path and the query parameters other than the page's
    own (`cursor`, `limit`), in a canonical order."""
    kept = sorted((k, v) for k, v in request.query_params.multi_items() if k not in page_names)
    return request.url.path + "?" + "&".join(f"{k}={v}" for k, v in kept)


def cursors_of(request: Request) -> Cursors:
    cursors: Cursors = request.app.state.cursors
    return cursors


async def page_params(  # async: FastAPI would run a plain function in a worker thread
    request: Request,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=512, description="`next_cursor` from the previous page."),
    ] = None,
) -> PageParams:
    cursors = cursors_of(request)
    scope = list_scope(request, "cursor", "limit")
    key = cursors.open(scope, cursor) if cursor else None
    return PageParams(limit=limit, key=key, scope=scope, cursors=cursors)


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    """Advertise the next page in an RFC 8288 `Link` header."""
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
