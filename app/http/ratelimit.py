"""Optional rate limiting per key (or per client address without one), in fixed one-minute
windows counted in the database, so every worker and every replica share the count."""

import math
import time

from fastapi import Request, Response
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import DomainError
from app.models import RateWindow

WINDOW_SECONDS = 60


class TooManyRequests(DomainError, status=429, type="rate-limited", title="Too many requests"):
    """A caller over its rate limit."""


async def _count(session: AsyncSession, owner: str, window: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = (
        insert(RateWindow)
        .values(owner=owner, window_start=window, count=1)
        .on_conflict_do_update(
            index_elements=["owner", "window_start"], set_={"count": RateWindow.count + 1}
        )
        .returning(RateWindow.count)
    )
    return int((await session.execute(upsert)).scalar_one())


async def check_rate(request: Request, response: Response, owner: str, limit: int) -> None:
    """Count this request; 429 with Retry-After beyond `limit` a minute. Sets RateLimit-*
    headers on the response either way."""
    now = time.time()
    window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    async with request.app.state.sessionmaker() as session:
        used = await _count(session, owner, window)
        await session.commit()
    reset = max(1, math.ceil(window + WINDOW_SECONDS - now))
    headers = {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(max(0, limit - used)),
        "RateLimit-Reset": str(reset),
    }
    if used > limit:
        error = TooManyRequests(f"more than {limit} requests a minute; retry in {reset} s")
        error.headers = {**headers, "Retry-After": str(reset)}
        raise error
    response.headers.update(headers)
