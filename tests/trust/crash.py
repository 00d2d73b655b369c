"""Crash run: the live server is killed (SIGKILL) and restarted again and again on PostgreSQL
while writers post stances at a steady rate, each with its own Idempotency-Key.

Every request is recorded as ok (201: acknowledged), failed (a non-2xx answer, or a
connection refused: nothing was sent) or unknown (sent, and no answer came: the server died
under it). Afterwards every unknown is retried with its key until it has an answer, and one
read of the database checks that no acknowledged write was lost, none is there twice, no
failed one was written, and each unknown resolved to exactly one row.

    python -m tests.trust.crash --restarts 20
    python -m tests.trust.crash --restarts 20 --rate 150 --database-url postgresql://...

`tests/trust/test_faults.py::TestServerCrashes` runs it with 3 restarts in the suite.
"""

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from tempfile import TemporaryDirectory

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy.engine import make_url

from app.auth import keys
from tests.live import CLI, Server, free_port, key_on, start_server
from tests.trust.crash_report import Report, Write, verify

CLIENT_TIMEOUT = 10.0
IN_PROGRESS = ("idempotency-in-progress", "still being handled")
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the server of `admin_url`; dropped afterwards."""
    admin = make_url(admin_url).set(drivername="postgresql")
    name = f"claimgraph_crash_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await run(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _cli(url: str, *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    if proc.returncode:
        raise RuntimeError(f"claimgraph {' '.join(args)}: {out.decode()}")


async def _write_key(url: str) -> str:
    return await key_on(url, keys.Scope.write, "crash")


class Run:
    """One crash run against a database: the server, its restarts, the writers."""

    def __init__(
        self, url: str, log_dir: Path, *, key: str, rate: float, writers: int, workers: int
    ) -> None:
        self.url = url
        self.key = key
        self.log = log_dir / "server.log"
        self.port = free_port()
        self.rate = rate
        self.writers = writers
        self.workers = workers
        self.writes: list[Write] = []
        self.server: Server | None = None
        self.stop = asyncio.Event()
        self.up_seconds = 0.0
        self.downtime: list[float] = []
        self.in_progress_answers = 0

    async def start(self) -> float:
        """Start the server and wait for it; the seconds it took."""
        started = time.monotonic()
        env = {"DATABASE_URL": self.url, "CLAIMGRAPH_LOG_LEVEL": "warning"}
        command = [*CLI, "serve", "--workers", str(self.workers)]
        self.server = await start_server(command, env, self.log, port=self.port)
        await self.server.wait_until_up(60)
        return time.monotonic() - started

    async def crash(self) -> None:
        """SIGKILL: no shutdown, no goodbye to any connection."""
        assert self.server is not None
        await self.server.stop(kill=True)

    async def bodies(self, http: httpx.AsyncClient) -> list[dict[str, str]]:
        """A stance body for each writer: one actor and source, a claim each (writes on one
        claim queue for its counters' row lock, which would make the run a test of that)."""
        refs = {}
        for name, path, body in (
            ("actor_id", "/v1/actors", {"kind": "person", "name": f"Writer {uuid.uuid4()}"}),
            ("source_id", "/v1/sources", {"kind": "report", "title": "Crash load"}),
        ):
            r = await http.post(path, json=body)
            if r.status_code != 201:
                raise RuntimeError(f"{path}: {r.status_code} {r.text}")
            refs[name] = r.json()["id"]
        bodies = []
        for n in range(self.writers):
            r = await http.post("/v1/claims", json={"statement": f"The server crashes ({n})"})
            if r.status_code != 201:
                raise RuntimeError(f"/v1/claims: {r.status_code} {r.text}")
            bodies.append({**refs, "claim_id": r.json()["id"], "label": "asserted"})
        return bodies

    async def writer(self, n: int, http: httpx.AsyncClient, body: dict[str, str]) -> None:
        """Post stances at this writer's share of the rate, each with a new key."""
        interval = self.writers / self.rate
        due = time.monotonic() + n * interval / self.writers
        i = 0
        while not self.stop.is_set():
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            elif now - due > 1:  # far behind (the server was down): don't burst
                due = now
            due += interval
            write = Write(f"writer {n} stance {i}", str(uuid.uuid4()), claim_id=body["claim_id"])
            i += 1
            self.writes.append(write)
            await self.send(http, body, write)

    async def send(self, http: httpx.AsyncClient, body: dict[str, str], write: Write) -> None:
        headers = {"Idempotency-Key": write.key}
        try:
            r = await http.post("/v1/stances", json={**body, "quote": write.quote}, headers=headers)
        except NOT_SENT:
            write.outcome = "failed"
            return
        except httpx.TransportError:  # sent; the server died before answering
            write.outcome = "unknown"
            return
        write.status = r.status_code
        if r.status_code == 201:
            write.outcome, write.stance_id = "ok", r.json()["id"]
        else:
            write.outcome = "failed"

    async def resolve(self, http: httpx.AsyncClient, body: dict[str, str], write: Write) -> None:
        """Retry an unknown write with its key until it has an answer."""
        for _ in range(100):
            try:
                r = await http.post(
                    "/v1/stances",
                    json={**body, "quote": write.quote},
                    headers={"Idempotency-Key": write.key},
                )
            except httpx.TransportError:
                await asyncio.sleep(0.2)
                continue
            problem = r.text if r.status_code >= 400 else ""
            if r.status_code == 201:
                replayed = r.headers.get("idempotent-replayed") == "true"
                write.resolved = "replayed" if replayed else "written"
                write.stance_id = r.json()["id"]
                return
            if r.status_code == 409 and "/problems/duplicate" in problem:
                write.resolved, write.stance_id = "duplicate", r.json().get("existing_id")
                return
            if r.status_code in (409, 503) and (
                r.status_code == 503 or any(s in problem for s in IN_PROGRESS)
            ):
                self.in_progress_answers += r.status_code == 409
                await asyncio.sleep(0.5)  # retry later
                continue
            write.resolved = f"refused {r.status_code}"
            return
        write.resolved = "unresolved"

    async def load(self, restarts: int, every: float) -> float:
        """Writers at the rate while the server is killed `restarts` times, `every` seconds
        of uptime apart; the run's length in seconds."""
        began = time.monotonic()
        limits = httpx.Limits(max_connections=self.writers * 2)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.port}",
            timeout=CLIENT_TIMEOUT,
            limits=limits,
            headers={"Authorization": f"Bearer {self.key}"},
        ) as http:
            bodies = await self.bodies(http)
            tasks = [
                asyncio.create_task(self.writer(n, http, body)) for n, body in enumerate(bodies)
            ]
            try:
                for _ in range(restarts):
                    await asyncio.sleep(every)
                    self.up_seconds += every
                    await self.crash()
                    self.downtime.append(await self.start())
                await asyncio.sleep(every)
                self.up_seconds += every
            finally:
                self.stop.set()
                await asyncio.wait_for(asyncio.gather(*tasks), CLIENT_TIMEOUT * 2)
            elapsed = time.monotonic() - began
            by_claim = {body["claim_id"]: body for body in bodies}
            unknowns = [w for w in self.writes if w.outcome == "unknown"]
            await asyncio.gather(*(self.resolve(http, by_claim[w.claim_id], w) for w in unknowns))
        return elapsed


async def crash_run(
    url: str,
    log_dir: Path,
    *,
    restarts: int,
    every: float,
    rate: float,
    writers: int,
    workers: int = 1,
) -> Report:
    """Migrate the (empty) database at `url`, then run, crash, retry and verify."""
    await _cli(url, "db", "upgrade")
    key = await _write_key(url)
    run = Run(url, log_dir, key=key, rate=rate, writers=writers, workers=workers)
    await run.start()
    try:
        elapsed = await run.load(restarts, every)
    finally:
        if run.server is not None:
            await run.server.stop()
    return await verify(
        url,
        run.writes,
        restarts=restarts,
        elapsed=elapsed,
        up_seconds=run.up_seconds,
        downtime=run.downtime,
        in_progress_answers=run.in_progress_answers,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--every", type=float, default=3.0, help="seconds of load between kills")
    parser.add_argument("--rate", type=float, default=150.0, help="writes offered per second")
    parser.add_argument("--writers", type=int, default=32, help="concurrent writers")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "CLAIMGRAPH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL server where a scratch database may be made (and dropped)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON too")
    args = parser.parse_args()

    async def go() -> Report:
        with TemporaryDirectory() as tmp:
            async with scratch_database(args.database_url) as url:
                return await crash_run(
                    url,
                    Path(tmp),
                    restarts=args.restarts,
                    every=args.every,
                    rate=args.rate,
                    writers=args.writers,
                    workers=args.workers,
                )

    report = asyncio.run(go())
    print(report.line())
    if args.json:
        print(json.dumps({**asdict(report), "sound": report.sound}, indent=2))
    sys.exit(0 if report.sound else 1)


if __name__ == "__main__":
    main()
