"""Named dependencies shared by the routes."""

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.paging import PageParams
from app.http import idempotency
from app.http.middleware import IMPORT_PATH
from app.http.pagination import link_next, page_params
from app.http.rendering import json_page
from app.schemas import Page

T = TypeVar("T")

READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, rolled back if it raises.
    GET and HEAD read outside a transaction, from the read replica when one is configured
    (DATABASE_READ_URL) and answers, else from the primary (app/db/replica.py). A POST holding an
    Idempotency-Key is committed with its response instead (`idempotency.CommitWithResponse`)."""
    state = request.app.state
    if request.method in READ_METHODS:
        # Each statement commits on its own (autocommit): closing only returns the connection.
        async with state.reads.session() as session:
            yield session
        return
    writer = state.sessionmaker
    if request.url.path == IMPORT_PATH:  # its statements may run longer than a request's
        writer = getattr(state, "import_sessionmaker", writer)
    session = writer()
    held = False
    try:
        yield session
        held = idempotency.hold(request, session)
        if not held:
            await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        if not held:
            await session.close()


# scope="function": commit before the response is sent, so an acknowledged write is durable.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
PageDep = Annotated[PageParams, Depends(page_params)]


@dataclass(frozen=True)
class Paging:
    """A list endpoint's page (`limit` and `cursor`) with what its answer needs: the request,
    whose URL the next page's is built from, and the response that carries it in `Link`."""

    page: PageParams
    request: Request
    response: Response

    def answer(self, items: Sequence[T], next_cursor: str | None) -> Page[T]:
        """The page of `items`, its next page advertised in the `Link` header."""
        link_next(self.request, self.response, next_cursor)
        return Page(items=list(items), next_cursor=next_cursor)

    def json(self, items: Sequence[Mapping[str, object]], next_cursor: str | None) -> Response:
        """The page of trusted rows as JSON, as `app.http.rendering.json_page` writes it."""
        return json_page(items, next_cursor, self.request, self.response)


async def paging(page: PageDep, request: Request, response: Response) -> Paging:
    """The page asked for, with the request and response that answering it needs."""
    return Paging(page, request, response)


PagingDep = Annotated[Paging, Depends(paging)]


async def writer(request: Request) -> str | None:
    """Who is writing: recorded on every row a request creates."""
    return getattr(request.state, "writer", None)


WriterDep = Annotated[str | None, Depends(writer)]


def from_query(filters: type[T]) -> Callable[..., Awaitable[T]]:
    """A dependency building `filters` (a dataclass of query parameters, each declared on its
    field) from the query string: `Depends(from_query(StanceQuery))`. FastAPI takes the
    parameters from the class's signature; the class is built in the event loop, where
    `Depends(StanceQuery)` would build it in the thread pool, a thread hop per request."""

    async def build(**values: Any) -> T:
        return filters(**values)

    build.__signature__ = inspect.signature(filters)  # type: ignore[attr-defined]
    build.__name__ = filters.__name__
    return build
