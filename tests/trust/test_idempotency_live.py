"""Idempotency-Key against a live server: what an in-process client cannot see, because the
answer leaves the server before the request's work is done, or the server dies midway."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest

from app.auth import keys
from app.db.engines import create_engine
from tests.live import UVICORN, Server, free_port, key_on, run_cli, running
from tests.trust.conftest import NewDatabase, posted_twice, postgres_only, scalar

pytestmark = pytest.mark.slow


async def _write_key(url: str) -> str:
    return await key_on(url, keys.Scope.write, "live")


def live_server(url: str, log: Path, port: int) -> AbstractAsyncContextManager[Server]:
    """uvicorn serving the database at `url` on `port`; killed on the way out."""
    env = {"DATABASE_URL": url, "CLAIMGRAPH_LOG_LEVEL": "warning"}
    return running(UVICORN, env, log, port=port, kill=True)


@pytest.fixture
async def served(new_database: NewDatabase) -> AsyncIterator[str]:
    """A fresh, migrated database's URL."""
    async with new_database() as url:
        code, out = await run_cli(url, "db", "upgrade")
        assert code == 0, out
        yield url


async def test_a_retry_at_once_after_the_answer_is_a_replay(served: str, tmp_path: Path) -> None:
    """The replay copy is committed with the write, before the answer leaves: 100 retries
    sent the moment each answer arrives are 100 replays."""
    key, port = await _write_key(served), free_port()
    async with (
        live_server(served, tmp_path / "server.log", port),
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=10,
            headers={"Authorization": f"Bearer {key}"},
        ) as http,
    ):
        replays = []
        for n in range(100):
            statement = f"Answered, then retried at once: number {n}"
            first, again = await posted_twice(http, f"at-once-{n}", statement)
            replays.append((again.status_code, again.headers.get("idempotent-replayed")))
            assert again.content == first.content, again.text
    assert replays == [(201, "true")] * 100
    assert await _claims(served) == 100


async def _claims(url: str) -> int:
    engine = create_engine(url)
    try:
        return int(await scalar(engine, "SELECT count(*) FROM claims"))
    finally:
        await engine.dispose()


async def test_a_request_in_flight_at_a_crash_leaves_its_key_free(
    backend: str, served: str, tmp_path: Path
) -> None:
    """The server is killed while a keyed request is midway: nothing was written, its key
    included, so the retry (to the restarted server) runs at once."""
    postgres_only(backend, "SQLite's writer holds its lock from BEGIN: there is no midway")
    key, port, log = await _write_key(served), free_port(), tmp_path / "server.log"
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "in-flight"}
    body = {"statement": "A request in flight when the server died"}
    engine = create_engine(served)
    try:
        async with engine.connect() as blocker:
            await blocker.exec_driver_sql("LOCK TABLE claim_stats IN ACCESS EXCLUSIVE MODE")
            async with (
                live_server(served, log, port) as server,
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
            ):
                pending = asyncio.create_task(http.post("/v1/claims", json=body, headers=headers))
                for _ in range(100):  # until it waits on the lock, midway through its work
                    waiting = await scalar(
                        engine,
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE 'INSERT INTO claim_stats%'",
                    )
                    if waiting:
                        break
                    await asyncio.sleep(0.05)
                assert waiting == 1
                server.kill()
                await asyncio.wait_for(server.process.wait(), 10)
                with pytest.raises(httpx.TransportError):
                    await pending
            await blocker.rollback()
        async with (
            live_server(served, log, port),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http,
        ):
            retry = await http.post("/v1/claims", json=body, headers=headers)
        assert retry.status_code == 201, retry.text
        assert "idempotent-replayed" not in retry.headers
        assert int(await scalar(engine, "SELECT count(*) FROM claims")) == 1
    finally:
        await engine.dispose()
