"""Timeouts on the database side. A database that stops answering (a frozen network: a proxy
that forwards nothing but keeps every socket open) gives 503 with Retry-After within 10 s, on
pooled connections and new ones, and the service recovers by itself when it answers again.
The command timeout is the service's own, so it holds whatever the server does; imports are
not bound by it. On SQLite, a writer held up by another's lock gets its 503 after
CLAIMGRAPH_STATEMENT_TIMEOUT_MS.
"""

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.auth import keys
from app.db.engines import create_engine
from app.settings import Settings
from tests.conftest import client_for, fresh_database, problem
from tests.live import CLI, key_on, proxied, running
from tests.trust.conftest import app_with, postgres_only

pytestmark = pytest.mark.slow

IDLE_PING = 5.0  # app.db.create_engine's ping_after_idle for GET requests' pool
LOG = {"CLAIMGRAPH_LOG_LEVEL": "warning"}


class TestFrozenDatabase:
    """PostgreSQL stops answering (packets dropped, sockets open): requests on pooled
    connections, and new ones, get 503 with Retry-After within 10 s; afterwards the service
    recovers by itself."""

    async def test_503_within_10_s_then_recovery(
        self, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        postgres_only(backend, "SQLite has no network to freeze")
        async with fresh_database(backend, tmp_path) as direct:
            await asyncio.wait_for(self._run(direct, tmp_path, capsys), 150)

    async def _run(self, direct: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        key = await key_on(direct, keys.Scope.write, "frozen", upgrade=True)
        proxy, through = await proxied(direct)
        env = {
            **LOG,
            "DATABASE_URL": through,
            "CLAIMGRAPH_DB_POOL_SIZE": "4",
        }
        headers = {"Authorization": f"Bearer {key}"}
        try:
            async with (
                running([*CLI, "serve"], env, tmp_path / "server.log") as server,
                httpx.AsyncClient(base_url=server.url, timeout=20, headers=headers) as http,
            ):
                times, recoveries = [], []
                for idle in (0, IDLE_PING + 1):  # a busy pool, then one idle long enough
                    await self._warm(http)  # to be pinged before its connections are used
                    await asyncio.sleep(idle)
                    proxy.pause()
                    times += await self._during_freeze(http)
                    proxy.resume()
                    recoveries.append(await self._recovery(http))
                log = server.tail()
        finally:
            await proxy.cut()
        with capsys.disabled():
            print(
                f"\n[frozen database] 503 after {min(times):.2f}-{max(times):.2f} s "
                f"({len(times)} requests); first 201 "
                f"{', '.join(f'{r:.2f}' for r in recoveries)} s after it answered again"
            )
        assert max(times) < 10, times
        assert "Traceback" not in log, log

    async def _warm(self, http: httpx.AsyncClient) -> None:
        """Fill both pools with live connections, as a busy service has them."""
        for _ in range(12):
            r = await http.post("/v1/actors", json={"kind": "person", "name": f"Warm {uuid4()}"})
            assert r.status_code == 201, r.text
        reads = await asyncio.gather(*(http.get("/v1/actors") for _ in range(8)))
        assert {r.status_code for r in reads} == {200}
        writes = await asyncio.gather(
            *(
                http.post("/v1/actors", json={"kind": "person", "name": f"Warm {uuid4()}"})
                for _ in range(8)
            )
        )
        assert {r.status_code for r in writes} == {201}

    async def _during_freeze(self, http: httpx.AsyncClient) -> list[float]:
        async def timed(method: str, path: str, **kwargs: object) -> float:
            started = time.monotonic()
            try:
                r = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
            except httpx.TimeoutException:
                pytest.fail(f"{method} {path}: no answer in 20 s while the database was frozen")
            took = time.monotonic() - started
            assert r.status_code == 503, (method, path, r.status_code, r.text)
            assert int(r.headers["retry-after"]) > 0
            if path != "/readyz":
                problem(r, 503)
            return took

        calls = [
            *(timed("GET", "/v1/actors") for _ in range(6)),
            *(
                timed("POST", "/v1/actors", json={"kind": "person", "name": f"Frozen {uuid4()}"})
                for _ in range(6)
            ),
            timed("GET", "/readyz"),
        ]
        first = await asyncio.gather(*calls)
        # And once more, now that every pooled connection has failed once.
        second = await asyncio.gather(
            timed("GET", "/v1/actors"),
            timed("POST", "/v1/actors", json={"kind": "person", "name": f"Frozen {uuid4()}"}),
        )
        return [*first, *second]

    async def _recovery(self, http: httpx.AsyncClient) -> float:
        resumed = time.monotonic()
        for _ in range(200):
            r = await http.post("/v1/actors", json={"kind": "person", "name": f"Back {uuid4()}"})
            if r.status_code == 201:
                took = time.monotonic() - resumed
                assert (await http.get("/v1/actors")).status_code == 200
                assert took < 15, took
                return took
            assert r.status_code == 503, r.text
            await asyncio.sleep(0.1)
        pytest.fail("no write succeeded after the database answered again")


class TestClientSideTimeout:
    """The command timeout is the service's own: it holds when the server would let a
    statement run on (here, waiting for a lock), and an import, whose statements may rightly
    take minutes, is not bound by it."""

    async def test_request_cut_import_not(
        self, backend: str, database_url: str, admin_key: str, client: httpx.AsyncClient
    ) -> None:
        postgres_only(backend, "SQLite's wait for another process's lock is tested below")
        engine = create_engine(database_url)
        settings = {"statement_timeout_ms": 30_000, "db_command_timeout_ms": 1_000}
        try:
            async with (
                app_with(database_url, **settings) as quick,
                client_for(quick, admin_key) as http,
                engine.connect() as holder,
            ):
                await holder.exec_driver_sql("BEGIN")
                await holder.exec_driver_sql("LOCK TABLE actors IN ACCESS EXCLUSIVE MODE")
                started = time.monotonic()
                r = await http.post("/v1/actors", json={"kind": "person", "name": "Held"})
                problem(r, 503)
                assert time.monotonic() - started < 3
                line = '{"type": "actor", "key": "a", "kind": "person", "name": "Imported"}\n'
                importing = asyncio.create_task(
                    http.post(
                        "/v1/import",
                        content=line,
                        headers={"Content-Type": "application/x-ndjson"},
                    )
                )
                await asyncio.sleep(2.5)  # the import waits for the lock, past 1 s
                await holder.exec_driver_sql("ROLLBACK")
                r = await asyncio.wait_for(importing, 20)
                assert r.status_code == 200, r.text
                assert r.json()["counts"]["actor"]["created"] == 1
        finally:
            await engine.dispose()


class TestSqliteLocked:
    """SQLite has no network: the wait that can hang is for another writer's lock, bounded
    by CLAIMGRAPH_STATEMENT_TIMEOUT_MS, then 503 with Retry-After."""

    @pytest.fixture
    def other_writer(self, backend: str, database_url: str) -> Iterator[sqlite3.Connection]:
        """A connection of its own to the test's SQLite file: another process's writer."""
        if backend != "sqlite":
            pytest.skip("SQLite only: PostgreSQL writers do not lock the database")
        path = make_url(database_url).database
        assert path is not None
        holder = sqlite3.connect(path, timeout=0)
        try:
            yield holder
        finally:
            holder.close()

    async def test_writer_waits_then_503(
        self,
        other_writer: sqlite3.Connection,
        database_url: str,
        admin_key: str,
        client: httpx.AsyncClient,
    ) -> None:
        async with (
            app_with(database_url, statement_timeout_ms=500) as quick,
            client_for(quick, admin_key) as http,
        ):
            other_writer.execute("BEGIN IMMEDIATE")  # another process writing, for a while
            started = time.monotonic()
            r = await http.post("/v1/actors", json={"kind": "person", "name": "Locked"})
            took = time.monotonic() - started
            other_writer.rollback()
            problem(r, 503)
            assert int(r.headers["retry-after"]) > 0
            assert took < 2.5, took
            r = await http.post("/v1/actors", json={"kind": "person", "name": "Unlocked"})
            assert r.status_code == 201, r.text

    async def test_a_writer_waiting_for_the_lock_leaves_reads_running(
        self,
        other_writer: sqlite3.Connection,
        database_url: str,
        admin_key: str,
        client: httpx.AsyncClient,  # empties the database afterwards: the actor written here
    ) -> None:
        """The writer waits for another process's lock in the event loop (app/db/sqlite.py),
        not in SQLite's busy handler: reads go on meanwhile, and the write then proceeds."""
        async with (
            app_with(database_url, statement_timeout_ms=5000) as patient,
            client_for(patient, admin_key) as http,
        ):
            other_writer.execute("BEGIN IMMEDIATE")
            writing = asyncio.create_task(
                http.post("/v1/actors", json={"kind": "person", "name": "Waiting"})
            )
            await asyncio.sleep(0.3)
            started = time.monotonic()
            r = await http.get("/v1/actors?limit=1")
            took = time.monotonic() - started
            assert r.status_code == 200, r.text
            assert took < 1.0, took
            assert not writing.done()  # still waiting for the lock
            other_writer.rollback()
            r = await asyncio.wait_for(writing, 10)
            assert r.status_code == 201, r.text


def test_database_waits_add_up_to_less_than_10_s() -> None:
    settings = Settings(database_url="sqlite://")
    assert settings.statement_timeout_ms < settings.db_command_timeout_ms
    assert settings.db_command_timeout_ms + settings.db_connect_timeout_ms < 10_000
    assert settings.db_pool_timeout_ms < 10_000
