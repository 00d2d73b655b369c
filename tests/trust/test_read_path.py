"""Where GET requests read on PostgreSQL: outside a transaction, and from DATABASE_READ_URL
when one is set; and the collector settings of a serving process."""

import asyncio
import gc
import re
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from app import migrate
from app.db import engines as db
from app.db.engines import create_engine, unavailable
from app.http import heap
from app.models import Actor, Stance
from tests.factories import make_claim
from tests.trust.conftest import NewDatabase, app_with, client_for, postgres_only, scalar
from tests.trust.live import Proxy


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
    assert gc.get_threshold()[0] >= heap.YOUNG_THRESHOLD


async def test_reads_on_asyncpg_answer_as_through_sqlalchemy(
    backend: str, app: FastAPI, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> None:
    """GET statements built once run on asyncpg directly, unless the connection is watched
    (a cursor listener, as here, or echo): both ways give the same answers, byte for byte."""
    postgres_only(backend)
    claim, actor = demo["nk-personnel-deployed"], demo["kremlin"]
    statement = (await client.get(f"/v1/claims/{claim}")).json()["statement"]
    word = max(re.findall(r"[a-z]{5,}", statement.lower()), key=len)
    paths = [
        f"/v1/claims/{claim}",
        f"/v1/claims/{claim}/stances",
        f"/v1/claims/{claim}/stances?side=dispute&limit=1",
        f"/v1/actors/{actor}/stances",
        f"/v1/stances?claim_id={claim}&limit=2",
        "/v1/claims?limit=3",
        "/v1/claims?contested=true&sort=stances",
        f"/v1/claims?q={word}",
        "/v1/claims?q=deployed&sort=created",
    ]
    direct = [await client.get(path) for path in paths]
    assert all(r.status_code == 200 for r in direct), [r.text for r in direct]
    assert any(r.json().get("items") for r in direct[1:])  # not only empty pages compared
    assert sum(plan is not None for plan in db._PLANS.values()) >= len(paths) - 2

    seen: list[str] = []

    def listen(*args: Any) -> None:
        seen.append(args[2])

    reader = app.state.query_engine.sync_engine
    event.listen(reader, "before_cursor_execute", listen)
    try:
        through = [await client.get(path) for path in paths]
    finally:
        event.remove(reader, "before_cursor_execute", listen)
    assert len(seen) >= len(paths)  # every request ran its SELECTs through SQLAlchemy
    for path, a, b in zip(paths, direct, through, strict=True):
        assert a.content == b.content, path


def test_asyncpg_rows_convert_only_what_the_query_computes() -> None:
    """Stored timestamptz and double precision columns read from asyncpg as SQLAlchemy would
    return them, so their values pass as they are; computed ones keep their conversion."""
    other = aliased(Stance)
    inner = select(Stance.stated_at.label("at")).subquery()
    statement = select(
        Stance.stated_at,  # 0: stored
        Stance.probability.label("p"),  # 1: a label of a stored column
        other.created_at.label("other_created"),  # 2: an aliased table's column
        func.coalesce(Stance.stated_at, Stance.created_at).label("said"),  # 3: computed
        (Stance.probability * 2).label("double"),  # 4: computed
        inner.c.at,  # 5: a subquery's column
        Actor.name,  # 6: text, never converted
    )
    plan = db._plan(statement, dialect())  # type: ignore[no-untyped-call]
    assert plan is not None
    assert [i for i, _ in plan.convert] == [3, 4, 5]
