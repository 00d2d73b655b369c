"""Where GET requests read on PostgreSQL: outside a transaction, and from DATABASE_READ_URL
when one is set; and the collector settings of a serving process."""

import asyncio
import gc
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import migrate
from app.db.engines import create_engine, unavailable
from app.http import heap
from tests.conftest import client_for
from tests.factories import make_claim
from tests.live import Proxy
from tests.trust.conftest import NewDatabase, app_with, postgres_only, scalar


async def _two_nows(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> tuple[datetime | None, datetime | None]:
    async with sessionmaker() as session:
        first = await session.scalar(text("SELECT now()"))
        await asyncio.sleep(0.01)
        second = await session.scalar(text("SELECT now()"))
    return first, second


async def test_gets_read_statement_by_statement(backend: str, app: FastAPI) -> None:
    """`now()` is the start of the transaction: fixed within one, new for each statement run
    on its own."""
    postgres_only(backend)
    first, second = await _two_nows(app.state.sessionmaker)
    assert first == second  # writes: one transaction
    first, second = await _two_nows(app.state.query_sessionmaker)
    assert first != second  # reads: no transaction around the statements


async def test_gets_go_to_the_read_url(
    backend: str,
    database_url: str,
    new_database: NewDatabase,
    client: httpx.AsyncClient,
    admin_key: str,
) -> None:
    postgres_only(backend)
    async with new_database() as replica_url:
        replica = create_engine(replica_url)
        try:
            await migrate.upgrade(replica)  # an empty "replica" that never catches up
        finally:
            await replica.dispose()
        async with (
            app_with(database_url, database_read_url=replica_url) as split,
            client_for(split, admin_key) as http,
        ):
            claim = await make_claim(http)  # written to the primary
            assert (await http.get(f"/v1/claims/{claim['id']}")).status_code == 404
            assert (await http.get("/v1/claims")).json()["items"] == []
        assert (await client.get(f"/v1/claims/{claim['id']}")).status_code == 200


async def test_a_read_connection_that_died_while_idle_is_replaced(
    backend: str, database_url: str
) -> None:
    """The read pool checks only connections idle for a while; a connection used again at
    once after the database restarted fails its request, and the pool drops it."""
    postgres_only(backend)
    url = make_url(database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    engine = create_engine(url.set(port=proxy.port), autocommit=True, ping_after_idle=0.2)
    try:
        assert await scalar(engine, "SELECT 1") == 1  # one connection, back in the pool
        await proxy.cut()  # the database restarts
        await proxy.start()
        await asyncio.sleep(0.3)
        assert await scalar(engine, "SELECT 1") == 1  # checked at checkout, replaced

        await proxy.cut()
        await proxy.start()
        with pytest.raises(DBAPIError) as raised:  # used again at once: not checked
            await scalar(engine, "SELECT 1")
        assert unavailable(raised.value) == "database-unavailable"
        assert await scalar(engine, "SELECT 1") == 1  # the pool dropped the dead one
    finally:
        await engine.dispose()
        await proxy.cut()


def test_a_started_app_freezes_its_startup_heap(app: FastAPI) -> None:
    """After startup the app's long-lived objects are out of the collector's reach and young
    collections are spaced out (app/http/heap.py): both keep full-collection pauses out of the
    request latency."""
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold()[0] >= heap.SERVING[0]
