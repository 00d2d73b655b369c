"""PgBouncer 1.18 in transaction pooling mode in front of the primary (and the standby): why
the driver needs CLAIMGRAPH_DB_PGBOUNCER, a representative part of the API's own tests passing
through it, and the connection counts with 2 workers x 20 pool connections behind it."""

import asyncio
import os
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engines import create_engine
from tests.scale.cluster import DATABASE, Cluster
from tests.scale.conftest import Running, http, serving
from tests.scale.postgres import STATEMENT_TIMEOUT
from tests.scale.service import Service, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# The API tests run through PgBouncer: records of every kind written and read, the questions,
# idempotent retries, the history and its feed, concurrent writers, the export's snapshot, and
# the owned links.
THROUGH_PGBOUNCER = (
    "tests/claims/test_claims.py",
    "tests/stances/test_stances.py",
    "tests/actors/test_actors.py",
    "tests/sources/test_sources.py",
    "tests/questions/test_claim_stances.py",
    "tests/questions/test_claim_summary.py",
    "tests/questions/test_search_claims.py",
    "tests/trust/test_idempotency.py",
    "tests/trust/test_history.py",
    "tests/trust/test_concurrency.py",
    "tests/transfer/test_export.py",
    "tests/links",
)
AT_LEAST_PASSED = 350
POOL_SIZE = 20
# PgBouncer's states of a server connection (SHOW POOLS): together, the connections it holds
SERVER_STATES = ("active", "idle", "used", "tested", "login")
CLOSED = 0  # in the statuses: a request whose connection the server had closed
RETRIES = 4  # a client's tries of one request that gets 503
WORKERS = 2


async def hammer(engine: AsyncEngine, tasks: int = 20, each: int = 20) -> Counter[str]:
    """Concurrent one-statement transactions; the errors they met, by message."""
    errors: Counter[str] = Counter()

    async def one(n: int) -> None:
        for _ in range(each):
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT CAST(:n AS int) + 1"), {"n": n})
                    await conn.commit()
            except DBAPIError as exc:
                errors[str(exc.orig).splitlines()[0][:80]] += 1

    await asyncio.gather(*(one(n) for n in range(tasks)))
    return errors


class TestDriverSettings:
    async def test_without_the_setting_pgbouncer_refuses_the_driver(self, running: Running) -> None:
        """Both reasons for CLAIMGRAPH_DB_PGBOUNCER, as PgBouncer 1.18 gives them: it refuses
        the statement timeout as a startup parameter, and a statement asyncpg prepared by name
        on one server connection is missing on the next."""
        url = running.cluster.bouncer.url()  # type: ignore[union-attr]
        engine = create_engine(url, statement_timeout_ms=15_000)
        try:
            with pytest.raises(DBAPIError, match="unsupported startup parameter"):
                async with engine.connect():
                    pass
        finally:
            await engine.dispose()

        prepared = create_engine(url)  # no statement_timeout sent, statements prepared
        try:
            errors = await hammer(prepared)
        finally:
            await prepared.dispose()
        assert any("prepared statement" in message for message in errors), errors

        bouncing = create_engine(url, statement_timeout_ms=15_000, pgbouncer=True)
        try:
            assert await hammer(bouncing) == Counter()
            async with bouncing.connect() as conn:
                # the role's timeout, carried by PgBouncer's server connections
                shown = (await conn.execute(text("SHOW statement_timeout"))).scalar()
                assert shown == STATEMENT_TIMEOUT
        finally:
            await bouncing.dispose()

    async def test_the_standby_behind_pgbouncer_answers_the_gets(self, running: Running) -> None:
        cluster = running.cluster
        bouncer = cluster.bouncer
        assert bouncer is not None
        before = cluster.stats(cluster.standby)["xact_commit"]
        async with (
            serving(
                database_url=bouncer.url(),
                db_pgbouncer=True,
                database_read_url=bouncer.url(f"{DATABASE}_standby"),
                db_read_pgbouncer=True,
            ) as app,
            http(app, running.key) as client,
        ):
            claim = (await client.post("/v1/claims", json={"statement": "Pooled"})).json()
            cluster.wait_replayed()
            for _ in range(30):
                r = await client.get(f"/v1/claims/{claim['id']}")
                assert r.status_code == 200, r.text
        cluster.quiesce()  # PgBouncer's server connections publish their counts
        await wait_until(
            "the standby counting the GETs",
            lambda: asyncio.to_thread(
                lambda: cluster.stats(cluster.standby)["xact_commit"] >= before + 30
            ),
            10,
        )


class TestApiThroughPgBouncer:
    async def test_the_api_tests_pass_through_pgbouncer(self, running: Running) -> None:
        bouncer = running.cluster.bouncer
        assert bouncer is not None
        env = {
            **os.environ,
            "CLAIMGRAPH_TEST_BACKENDS": "postgresql",
            # The suite makes a database of its own on the primary, through PgBouncer.
            "CLAIMGRAPH_TEST_DATABASE_URL": bouncer.url("postgres"),
            "CLAIMGRAPH_DB_PGBOUNCER": "true",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "pytest",
            *THROUGH_PGBOUNCER,
            "-q",
            "-p",
            "no:cacheprovider",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), 300)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        report = out.decode(errors="replace")
        assert proc.returncode == 0, report[-6000:]
        passed = re.search(r"(\d+) passed", report)
        assert passed, report[-2000:]
        assert int(passed.group(1)) >= AT_LEAST_PASSED, report[-2000:]
        # They did go through PgBouncer: its pools for the suite's databases carried them.
        stats = bouncer.admin("SHOW STATS")
        carried = sum(
            int(row["total_xact_count"])
            for row in stats
            if row["database"].startswith("claimgraph_test_")
        )
        print(f"\n[pgbouncer] {passed.group(1)} API tests passed, {carried} transactions pooled")
        assert carried > 10 * AT_LEAST_PASSED


def connection_counts(cluster: Cluster, stop: threading.Event, seen: dict[str, int]) -> None:
    """Sample, every 0.1 s, PgBouncer's client and server connections for the pool and the
    primary's backends for the database; keep the largest of each."""
    bouncer = cluster.bouncer
    assert bouncer is not None
    while not stop.is_set():
        for row in bouncer.admin("SHOW POOLS"):
            if row["database"] == DATABASE:
                clients = int(row["cl_active"]) + int(row["cl_waiting"])
                seen["clients"] = max(seen.get("clients", 0), clients)
                seen["waiting"] = max(seen.get("waiting", 0), int(row["cl_waiting"]))
                held = sum(int(row[f"sv_{state}"]) for state in SERVER_STATES)
                seen["held"] = max(seen.get("held", 0), held)
        servers = int(
            cluster.primary.sql(
                "SELECT count(*) FROM pg_stat_activity "
                f"WHERE datname = '{DATABASE}' AND backend_type = 'client backend'",
                "postgres",
            )
        )
        seen["servers"] = max(seen.get("servers", 0), servers)
        time.sleep(0.1)


async def load(
    base: str, key: str, concurrency: int, seconds: float
) -> tuple[Counter[int], Counter[int]]:
    """`concurrency` clients writing claims and reading them back: the statuses of every
    response, and of each request's last try. A
    client does what the API asks of one: a 503 (an overloaded service, here a cold one
    whose 80 first requests all open connections through a queueing PgBouncer) is retried
    after its Retry-After, and a write carries an Idempotency-Key so that its retry cannot
    write twice."""
    statuses: Counter[int] = Counter()
    final: Counter[int] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=limits, headers=headers
    ) as client:

        async def send(method: str, url: str, **kwargs: object) -> httpx.Response:
            for attempt in range(RETRIES):
                try:
                    r = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # A kept-alive connection the server closed as it idled (a client slept
                    # out a Retry-After) while the request went out on it: a client sends it
                    # again, as each request here may be (a GET, or a POST with its key).
                    statuses[CLOSED] += 1
                    if attempt == RETRIES - 1:
                        raise
                    continue
                statuses[r.status_code] += 1
                if r.status_code != 503:
                    break
                await asyncio.sleep(float(r.headers["Retry-After"]))
            final[r.status_code] += 1
            return r

        async def one(n: int) -> None:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                r = await send(
                    "POST",
                    "/v1/claims",
                    json={"statement": f"Load {n} {i}"},
                    headers={"Idempotency-Key": f"load-{n}-{i}"},
                )
                if r.status_code == 201:
                    await send("GET", f"/v1/claims/{r.json()['id']}")

        await asyncio.gather(*(one(n) for n in range(concurrency)))
    return statuses, final


class TestConnectionCounts:
    async def test_two_workers_with_twenty_connections_each_share_a_few(
        self, running: Running, tmp_path: Path
    ) -> None:
        cluster = running.cluster
        bouncer = cluster.bouncer
        assert bouncer is not None
        env = {
            "DATABASE_URL": bouncer.url(),
            "CLAIMGRAPH_DB_PGBOUNCER": "true",
            "CLAIMGRAPH_DB_POOL_SIZE": str(POOL_SIZE),
        }
        seen: dict[str, int] = {}
        stop = threading.Event()
        with Service(env, workers=WORKERS, log=tmp_path / "service.log") as service:
            sampler = threading.Thread(target=connection_counts, args=(cluster, stop, seen))
            sampler.start()
            try:
                statuses, final = await load(service.url, running.key, 4 * POOL_SIZE, 4)
            finally:
                stop.set()
                sampler.join(10)
        cluster.quiesce()
        print(
            f"\n[pgbouncer] {WORKERS} workers x pool {POOL_SIZE}: at most {seen['clients']} "
            f"client connections at PgBouncer ({seen['waiting']} waiting), "
            f"{seen['held']} server connections held by it, {seen['servers']} backends on the "
            f"primary; {dict(statuses)}, "
            f"last tries {dict(final)}"
        )
        # Every request ends served; a 503 is retried, and only a few are.
        assert set(final) == {200, 201}, final
        assert final[200] == final[201], final
        assert set(statuses) <= {200, 201, 503, CLOSED}, statuses
        assert statuses[CLOSED] <= final.total() // 100, statuses
        assert statuses[503] <= final.total() // 10, statuses
        assert seen["held"] <= bouncer.pool_size
        # The primary may list a few more for a moment: a request given up half-way (the
        # 503s above) closes its server connection mid-statement, and PgBouncer opens another
        # while the old backend is still exiting. Without PgBouncer it would be 2 x 20.
        assert seen["servers"] < WORKERS * POOL_SIZE // 2, seen
        assert seen["clients"] > 2 * bouncer.pool_size
