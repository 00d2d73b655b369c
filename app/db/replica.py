"""Where GET requests read on PostgreSQL: the read replica (DATABASE_READ_URL) while it
answers, the primary while it does not."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db.engines import create_sessionmaker, unavailable

# How long reads stay on the primary after the replica failed; then the replica is tried
# again (one connection attempt: refused at once while it is still down).
HOLD_SECONDS = 5.0


class Reads:
    """Sessions for GET requests. With a replica, a request reads there unless the replica
    failed in the last HOLD_SECONDS; a replica that cannot be reached when the request starts
    sends it to the primary instead. A request whose replica connection breaks while it reads
    fails as any request does when its database goes away (503 + Retry-After)."""

    def __init__(self, primary: AsyncEngine, replica: AsyncEngine | None = None) -> None:
        self.primary = create_sessionmaker(primary)
        self.replica_engine = replica
        self.replica = None if replica is None else create_sessionmaker(replica)
        self.replica_down_until = 0.0

    async def _replica_failed(self) -> None:
        self.replica_down_until = time.monotonic() + HOLD_SECONDS
        if self.replica_engine is not None:
            # Every pooled connection predates the failure: open new ones next time.
            await self.replica_engine.dispose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session on the replica when it is up, else on the primary."""
        if self.replica is not None and time.monotonic() >= self.replica_down_until:
            async with self.replica() as session:
                try:
                    connection = await session.connection()
                    raw = await connection.get_raw_connection()
                    if raw.driver_connection is None or raw.driver_connection.is_closed():
                        # The replica closed it (it shut down or restarted) since its last use.
                        raise ConnectionResetError("the replica closed the connection")
                except Exception as exc:
                    if unavailable(exc) is None:
                        raise
                    await self._replica_failed()
                else:
                    try:
                        yield session
                    except Exception as exc:
                        if unavailable(exc) == "database-unavailable":
                            await self._replica_failed()
                        raise
                    return
        async with self.primary() as session:
            yield session
