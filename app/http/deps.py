"""Named dependencies shared by the routes."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.http import idempotency
from app.http.middleware import IMPORT_PATH
from app.http.pagination import PageParams, page_params

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


async def writer(request: Request) -> str | None:
    """Who is writing: recorded on every row a request creates."""
    return getattr(request.state, "writer", None)


WriterDep = Annotated[str | None, Depends(writer)]
