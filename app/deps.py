"""Named dependencies shared by the routes."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import session_scope
from app.pagination import PageParams, page_params

READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, rolled back if it raises.
    GET and HEAD read outside a transaction on PostgreSQL, from the read replica when one is
    configured (DATABASE_READ_URL) and answers, else from the primary (app/replica.py)."""
    state = request.app.state
    reads = getattr(state, "reads", None)
    if reads is not None and request.method in READ_METHODS:
        # Each statement commits on its own (autocommit): closing only returns the connection.
        async with reads.session() as session:
            yield session
        return
    async for session in session_scope(state.sessionmaker):
        yield session


# scope="function": commit before the response is sent, so an acknowledged write is durable.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
PageDep = Annotated[PageParams, Depends(page_params)]


async def writer(request: Request) -> str | None:
    """Who is writing: recorded on every row a request creates."""
    return getattr(request.state, "writer", None)


WriterDep = Annotated[str | None, Depends(writer)]
