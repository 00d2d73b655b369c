"""Faults, with writers busy against a live server on PostgreSQL.

The database restarts three times: requests during an outage get 503 problem+json with
Retry-After (no hang, no 500), the service recovers by itself, and afterwards every
acknowledged write is there and no write is half there. The database is "restarted" by a
TCP proxy this test runs between the live server and PostgreSQL: an outage closes every
connection and refuses new ones, as a restarting server does, without touching the shared
PostgreSQL cluster.

The server is killed (SIGKILL) three times: every request is ok, failed or unknown, each
unknown resolves with its Idempotency-Key to exactly one row, and nothing acknowledged is
lost or written twice (tests/trust/crash.py; `python -m tests.trust.crash` for the long run).
"""

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.engine import make_url

from app.auth import keys
from tests.factories import stance_refs
from tests.live import UVICORN, Proxy, key_on, proxied, running
from tests.trust.conftest import NewDatabase, postgres_only
from tests.trust.crash import crash_run

pytestmark = pytest.mark.slow

WRITERS = 4
OUTAGES = 3
OUTAGE_SECONDS = 2.0
MAX_REQUESTS_PER_WRITER = 400
CLIENT_TIMEOUT = 10.0
MAX_RECOVERY_SECONDS = 10.0


@dataclass
class Tally:
    acknowledged: dict[str, str] = field(default_factory=dict)  # quote -> stance id
    unavailable: list[str] = field(default_factory=list)  # quotes answered 503
    failed: list[str] = field(default_factory=list)  # quotes whose request broke off
    unexpected: list[str] = field(default_factory=list)  # anything else: a failure
    slowest_503: float = 0.0
    last_201_at: float = 0.0


async def writer(
    http: httpx.AsyncClient, n: int, body: dict[str, Any], tally: Tally, stop: asyncio.Event
) -> None:
    for i in range(MAX_REQUESTS_PER_WRITER):
        if stop.is_set():
            return
        quote = f"writer {n} stance {i}"
        started = time.monotonic()
        try:
            r = await http.post("/v1/stances", json={**body, "quote": quote})
        except httpx.TimeoutException:
            tally.unexpected.append(f"{quote}: no answer within {CLIENT_TIMEOUT} s (a hang)")
            continue
        except httpx.TransportError as exc:
            tally.failed.append(quote)
            tally.unexpected.append(f"{quote}: connection to the service broke: {exc!r}")
            continue
        took = time.monotonic() - started
        if r.status_code == 201:
            tally.acknowledged[quote] = r.json()["id"]
            tally.last_201_at = time.monotonic()
            await asyncio.sleep(0.01)
        elif r.status_code == 503:
            problem = r.json()
            ok = (
                r.headers["content-type"].startswith("application/problem+json")
                and int(r.headers["retry-after"]) > 0
                and problem["status"] == 503
            )
            if not ok:
                tally.unexpected.append(f"{quote}: a 503 that is not a problem: {r.text}")
            tally.unavailable.append(quote)
            tally.slowest_503 = max(tally.slowest_503, took)
            await asyncio.sleep(0.05)
        else:
            tally.failed.append(quote)
            tally.unexpected.append(f"{quote}: {r.status_code} {r.text[:300]}")


@pytest.fixture
async def direct(backend: str, new_database: NewDatabase) -> AsyncIterator[str]:
    """A new PostgreSQL database, reached directly (not through a proxy)."""
    postgres_only(backend, "the long-lived server and its database are PostgreSQL's case")
    async with new_database() as url:
        yield url


class TestDatabaseRestarts:
    """Three outages under write load: 503s meanwhile, recovery after, no write lost."""

    async def test_writes_survive_three_restarts(
        self, direct: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        await asyncio.wait_for(self._run(direct, tmp_path, capsys), 90)

    async def _run(self, direct: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        key = await key_on(direct, keys.Scope.write, "faults", upgrade=True)
        proxy, through = await proxied(direct)
        log = tmp_path / "server.log"
        env = {
            "DATABASE_URL": through,
            "CLAIMGRAPH_DB_POOL_SIZE": "5",
            "CLAIMGRAPH_LOG_LEVEL": "warning",
        }
        try:
            async with running([*UVICORN, "--log-level", "warning"], env, log) as server:
                tally, recoveries = await self._load(server.url, key, proxy)
        finally:
            if proxy.server is not None:
                await proxy.cut()
        server_log = log.read_text()
        await self._verify(direct, tally)

        with capsys.disabled():
            print(
                f"\n[faults] restarts={OUTAGES} outage={OUTAGE_SECONDS}s writers={WRITERS} "
                f"acknowledged={len(tally.acknowledged)} answered_503={len(tally.unavailable)} "
                f"errored={len(tally.failed)} slowest_503={tally.slowest_503:.2f}s "
                f"recovery_seconds={[round(r, 2) for r in recoveries]} lost=0"
            )
        assert not tally.unexpected, tally.unexpected[:10]
        assert "Traceback" not in server_log, server_log[-5000:]
        assert len(tally.unavailable) >= OUTAGES, "the outages were not noticed"
        assert tally.slowest_503 < CLIENT_TIMEOUT / 2
        assert all(r < MAX_RECOVERY_SECONDS for r in recoveries), recoveries

    async def _load(self, base: str, key: str, proxy: Proxy) -> tuple[Tally, list[float]]:
        tally = Tally()
        stop = asyncio.Event()
        recoveries: list[float] = []
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            base_url=base, timeout=CLIENT_TIMEOUT, headers=headers
        ) as http:
            refs = await stance_refs(http, "The database restarts", "Load")
            body = {**refs, "label": "asserted"}
            writers = [
                asyncio.create_task(writer(http, n, body, tally, stop)) for n in range(WRITERS)
            ]
            try:
                await asyncio.sleep(1.0)
                for _ in range(OUTAGES):
                    await proxy.cut()
                    await asyncio.sleep(OUTAGE_SECONDS)
                    restored = time.monotonic()
                    await proxy.start()
                    while tally.last_201_at < restored:
                        assert time.monotonic() - restored < 2 * MAX_RECOVERY_SECONDS, (
                            "no write succeeded after the database came back"
                        )
                        await asyncio.sleep(0.02)
                    recoveries.append(tally.last_201_at - restored)
                    await asyncio.sleep(1.0)
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*writers), 30)
        tally.acknowledged_claim = refs["claim_id"]  # type: ignore[attr-defined]
        return tally, recoveries

    async def _verify(self, direct: str, tally: Tally) -> None:
        claim_id = tally.acknowledged_claim  # type: ignore[attr-defined]
        conn = await asyncpg.connect(make_url(direct).render_as_string(hide_password=False))
        try:
            present = {
                r["quote"]: str(r["id"])
                for r in await conn.fetch(
                    "SELECT id, quote FROM stances WHERE claim_id = $1", claim_id
                )
            }
            stats = await conn.fetchrow(
                "SELECT total, support, neutral, dispute FROM claim_stats WHERE claim_id = $1",
                claim_id,
            )
            creates = await conn.fetch(
                "SELECT entity_id, count(*) AS n FROM changes WHERE entity = 'stance' "
                "AND action = 'create' GROUP BY entity_id"
            )
            other_actions = await conn.fetchval(
                "SELECT count(*) FROM changes WHERE entity = 'stance' AND action <> 'create'"
            )
        finally:
            await conn.close()

        # Every acknowledged write is there, under the id it was acknowledged with.
        missing = {q for q, ident in tally.acknowledged.items() if present.get(q) != ident}
        assert not missing, f"acknowledged writes lost: {sorted(missing)[:10]}"
        # Everything there was acknowledged or its request failed (it may have committed
        # just before the connection went); nothing else appeared.
        unexplained = (
            set(present) - set(tally.acknowledged) - set(tally.unavailable) - set(tally.failed)
        )
        assert not unexplained, unexplained
        # No write is half there: the counters and the history agree with the stances.
        assert stats["total"] == stats["support"] == len(present), (dict(stats), len(present))
        assert stats["neutral"] == stats["dispute"] == 0
        history = {str(r["entity_id"]): r["n"] for r in creates}
        assert set(history) == set(present.values()), "a stance without its history or back"
        assert set(history.values()) == {1}
        assert other_actions == 0


class TestServerCrashes:
    """The server killed three times under writes, each with its own Idempotency-Key."""

    async def test_three_kills(
        self, direct: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        report = await asyncio.wait_for(
            crash_run(direct, tmp_path, restarts=3, every=3.0, rate=150, writers=16), 110
        )
        with capsys.disabled():
            print(f"\n[crash] {report.line()}")
        assert report.ok > 0
        assert report.unknown > 0, "no request was in flight at a kill: nothing was tried"
        assert report.lost == 0
        assert report.duplicated == 0
        assert report.failed_but_written == 0
        assert report.unknown_unresolved == 0
        assert report.unknown_not_one_row == 0
        assert report.counters_agree
        assert report.history_agrees
