"""The failover drill of docs/scaling.md, scripted: writers post stances with an
Idempotency-Key each; the primary stops (with the link to its standby cut, as when its machine
is lost); the standby is promoted; the service is pointed at it (PgBouncer re-pointed and
reloaded, or the service restarted with the new DATABASE_URL); the writes whose outcome is
unknown are retried with their keys. The new primary then says which acknowledged writes
were lost and which were written twice.

Used by tests/scale/test_failover.py and bench/scale_out.py."""

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import asyncpg  # type: ignore[import-untyped]
import httpx

from tests.factories import stance_refs
from tests.scale.cluster import DATABASE, Cluster
from tests.scale.service import Service, prepare

Repoint = Literal["pgbouncer", "restart"]


@dataclass
class Tally:
    acknowledged: dict[str, str] = field(default_factory=dict)  # quote -> stance id
    unknown: set[str] = field(default_factory=set)  # no answer, or 503: retried afterwards
    refused: int = 0  # connections refused: never sent, not retried
    unexpected: list[str] = field(default_factory=list)
    failed_at: float | None = None
    back_at: float | None = None  # the first write started after the failure acknowledged
    back: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class DrillReport:
    replication: str
    repoint: str
    link_delay_ms: float
    writes_per_second: float
    acknowledged: int
    refused: int  # writes never sent (the service was restarting)
    unknown: int
    retried: int  # unknowns acknowledged on retry (written then, or replayed)
    in_progress: int  # unknowns whose key still answered 409 "in progress" at the end
    in_progress_written: int  # ... of which the write is there (its retry would repeat it)
    lost: int  # acknowledged writes missing on the new primary
    duplicates: int  # quotes written more than once
    unavailable_s: float  # failure -> the first acknowledged write started after it
    promote_s: float
    repoint_s: float
    unexpected: list[str]


REFUSED = httpx.Response(0)  # the service refused the connection: the request was never sent


async def _write(
    client: httpx.AsyncClient, body: dict[str, Any], quote: str
) -> httpx.Response | None:
    try:
        return await client.post(
            "/v1/stances", json={**body, "quote": quote}, headers={"Idempotency-Key": quote}
        )
    except httpx.ConnectError:
        return REFUSED
    except httpx.TransportError:  # no answer (timeouts included): the outcome is unknown
        return None


async def _writer(
    client: httpx.AsyncClient, n: int, body: dict[str, Any], tally: Tally, stop: asyncio.Event
) -> None:
    i = 0
    while not stop.is_set():
        quote = f"writer {n} write {i}"
        i += 1
        started = time.monotonic()
        r = await _write(client, body, quote)
        if r is not None and r.status_code == 201:
            tally.acknowledged[quote] = r.json()["id"]
            failed = tally.failed_at
            if failed is not None and started > failed and tally.back_at is None:
                tally.back_at = time.monotonic()
                tally.back.set()
        elif r is None or r.status_code == 503:
            tally.unknown.add(quote)
            await asyncio.sleep(0.05)
        elif r is REFUSED:  # the service is restarting; this write was never sent
            tally.refused += 1
            await asyncio.sleep(0.05)
        else:
            tally.unexpected.append(f"{quote}: {r.status_code} {r.text[:200]}")


async def _retry(
    client: httpx.AsyncClient, body: dict[str, Any], tally: Tally, seconds: float
) -> tuple[dict[str, str], set[str]]:
    """Retry each unknown write with its key until it is acknowledged (written now, or the
    first answer replayed) or answered 409 "in progress"; those, and any still unanswered
    after `seconds`, are returned second."""
    done: dict[str, str] = {}
    in_progress: set[str] = set()
    pending = set(tally.unknown)
    deadline = time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        for quote in sorted(pending):
            r = await _write(client, body, quote)
            if r is None or r is REFUSED or r.status_code == 503:
                continue
            pending.discard(quote)
            if r.status_code == 201:
                done[quote] = r.json()["id"]
            elif r.status_code == 409:
                in_progress.add(quote)
            else:
                tally.unexpected.append(f"retry of {quote}: {r.status_code} {r.text[:200]}")
        if pending:
            await asyncio.sleep(0.5)
    return done, in_progress | pending


def _fail_over(cluster: Cluster, service: Service, repoint: Repoint) -> tuple[float, float]:
    """Lose the primary, promote the standby, point the service at it: (promote, repoint)
    seconds."""
    if cluster.link is not None:
        cluster.link.cut()  # the primary's machine and its network go at once
    cluster.primary.stop("immediate")
    started = time.monotonic()
    cluster.standby.promote()
    promoted = time.monotonic()
    if repoint == "pgbouncer":
        assert cluster.bouncer is not None
        cluster.bouncer.point(DATABASE, cluster.standby.port)
    else:
        # Requests in flight wait on the lost primary (up to the 5 s connect timeout): they
        # are unknown to their clients either way, so the old workers get 2 s to finish.
        service.stop(grace=2)
        service.env["DATABASE_URL"] = cluster.standby.url()
        service.start()
    return promoted - started, time.monotonic() - promoted


async def run_drill(
    *,
    synchronous: bool,
    repoint: Repoint = "pgbouncer",
    link_delay: float | None = 0.01,
    writers: int = 8,
    before: float = 3.0,
    after: float = 2.0,
    retry_for: float = 10.0,
    workdir: Path,
) -> DrillReport:
    """One drill on a cluster of its own; what it measured."""
    with Cluster(synchronous=synchronous, link_delay=link_delay) as cluster:
        key = await prepare(cluster.primary.url())
        cluster.wait_replayed()
        assert cluster.bouncer is not None
        url = cluster.bouncer.url() if repoint == "pgbouncer" else cluster.primary.url()
        env = {
            "DATABASE_URL": url,
            "CLAIMGRAPH_DB_PGBOUNCER": str(repoint == "pgbouncer").lower(),
            "CLAIMGRAPH_DB_POOL_SIZE": "10",
        }
        mode = "synchronous" if synchronous else "asynchronous"
        log = workdir / f"drill-{mode}-{repoint}.log"
        with Service(env, workers=2, log=log) as service:
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(base_url=service.url, timeout=10, headers=headers) as c:
                refs = await stance_refs(c, "The primary fails over", "Drill")
                body = {**refs, "label": "asserted"}
                tally, stop = Tally(), asyncio.Event()
                tasks = [
                    asyncio.create_task(_writer(c, n, body, tally, stop)) for n in range(writers)
                ]
                try:
                    await asyncio.sleep(before)
                    rate = len(tally.acknowledged) / before
                    tally.failed_at = time.monotonic()
                    promote_s, repoint_s = await asyncio.to_thread(
                        _fail_over, cluster, service, repoint
                    )
                    with contextlib.suppress(TimeoutError):  # reported as unavailable: nan
                        await asyncio.wait_for(tally.back.wait(), 60)
                    await asyncio.sleep(after)
                finally:
                    stop.set()
                    await asyncio.wait_for(asyncio.gather(*tasks), 60)
                retried, in_progress = await _retry(c, body, tally, retry_for)
        connection = await asyncpg.connect(cluster.standby.url(), timeout=10)
        try:
            rows = await connection.fetch(
                "SELECT quote, id::text FROM stances WHERE claim_id = $1", refs["claim_id"]
            )
        finally:
            await connection.close()
    written: dict[str, list[str]] = {}
    for row in rows:
        written.setdefault(row["quote"], []).append(row["id"])
    expected = {**tally.acknowledged, **retried}
    lost = [q for q, ident in tally.acknowledged.items() if ident not in written.get(q, [])]
    lost += [q for q, ident in retried.items() if ident not in written.get(q, [])]
    unexplained = set(written) - set(expected) - tally.unknown
    if unexplained:
        tally.unexpected.append(f"written but never sent: {sorted(unexplained)[:5]}")
    back = tally.back_at if tally.back_at is not None else float("nan")
    return DrillReport(
        replication=mode,
        repoint=repoint,
        link_delay_ms=(link_delay or 0.0) * 1000,
        writes_per_second=rate,
        acknowledged=len(tally.acknowledged),
        refused=tally.refused,
        unknown=len(tally.unknown),
        retried=len(retried),
        in_progress=len(in_progress),
        in_progress_written=sum(1 for q in in_progress if written.get(q)),
        lost=len(lost),
        duplicates=sum(1 for ids in written.values() if len(ids) > 1),
        unavailable_s=back - (tally.failed_at or back),
        promote_s=promote_s,
        repoint_s=repoint_s,
        unexpected=tally.unexpected,
    )
