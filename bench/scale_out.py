"""Past one machine, tried for real: a streaming replica, PgBouncer, several workers, a failover.

    python bench/scale_out.py [--stances 20000] [--duration 5] [--json FILE]

Starts a PostgreSQL primary, a hot standby made with pg_basebackup and PgBouncer in transaction
pooling mode (tests/scale/cluster.py), on free ports of 127.0.0.1; loads a generated dataset
(bench/generate.py) through the primary; then:

1. the replica: GET requests counted on the standby's own `pg_stat_database`, the change feed
   read on the standby while writers commit (nothing missed, nothing early, nothing twice), how
   soon a write can be read back from the standby, reads with the standby stopped;
2. PgBouncer: client connections at PgBouncer and server connections on the primary with
   2 workers x 20 pool connections;
3. the benchmark, in one run: Q1, Q3, Q5 and W1 (bench/run.py's queries and load) against
   1 worker on the primary alone and 2 workers behind PgBouncer with the standby serving reads;
4. the failover drill (tests/scale/drill.py): synchronous and asynchronous replication with
   PgBouncer re-pointed, and synchronous with the service restarted.

Prints the figures and a table of checks, stops everything it started, and exits 1 when a
check fails (2 when PostgreSQL's server binaries or PgBouncer are missing).
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import run as bench  # noqa: E402  (bench/run.py: dataset, database, targets, requests, wrk script)

from app.db import replica  # noqa: E402
from tests.scale.cluster import Cluster, missing_parts  # noqa: E402
from tests.scale.drill import DrillReport, run_drill  # noqa: E402
from tests.scale.service import Service, prepare  # noqa: E402

QUERIES = ("Q1", "Q3", "Q5", "W1")
POOL_SIZE = 20  # each worker's, per pool (CLAIMGRAPH_DB_POOL_SIZE)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Measured:
    rps: float
    p50: float
    p99: float
    requests: int
    errors: int


CHECKS: list[Check] = []
FIGURES: dict[str, Any] = {}


def check(name: str, ok: bool, detail: str) -> None:
    CHECKS.append(Check(name, ok, detail))
    print(f"  [{'ok' if ok else 'FAILED'}] {name}: {detail}", flush=True)


# wrk runs bench/run.py's script in each of its threads, each from the first request: here
# each thread starts an eighth of the list further on, so no two send the same stance.
SPREAD_THREADS = """
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  i = offset * math.floor(#reqs / 8)
end
"""


def wrk(
    port: int, reqs: list[tuple[str, str, str | None]], key: str | None, seconds: int, conns: int
) -> Measured:
    """wrk against the service; errors are non-2xx answers and socket errors of any kind."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(bench.lua_script(reqs, key) + SPREAD_THREADS)
    try:
        out = bench.run(
            [
                "wrk",
                "-t2",
                f"-c{conns}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}",
            ],
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)

    def number(pattern: str) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else 0.0

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return Measured(
        number(r"Requests/sec:\s+([\d.]+)"),
        pct("50"),
        pct("99"),
        int(number(r"(\d+) requests in")),
        errors,
    )


async def python_load(
    port: int, reqs: list[tuple[str, str, str | None]], key: str | None, seconds: int, conns: int
) -> Measured:
    """The load from Python when wrk is missing (it takes a core's share from the servers)."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        i = offset
        while time.perf_counter() < deadline:
            method, path, body = reqs[i % len(reqs)]
            i += conns  # each client its own requests
            started = time.perf_counter()
            try:
                r = await http.request(method, path, content=body)
                errors += r.status_code >= 300
            except httpx.TransportError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10
    ) as http:
        await asyncio.gather(*(worker(i, http) for i in range(conns)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Measured(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
        len(latencies),
        errors,
    )


W1_LABELS = ("confirmed", "asserted", "likely", "reported", "questioned", "denied")
W1_PER_RUN = 8_000  # more stances than one measurement writes here
_w1_made = itertools.count()


def new_stances(t: dict[str, list[str]]) -> list[tuple[str, str, str | None]]:
    """W1's requests for one run of the load: stances never posted before in this run of
    the script. The same stance twice is refused (409), and bench/run.py cycles through 200."""
    claims, actors, sources = t["write_claims"], t["actors"], t["sources"]
    reqs: list[tuple[str, str, str | None]] = []
    for _ in range(W1_PER_RUN):
        n = next(_w1_made)  # one combination of claim, actor, source and label each
        n, claim = divmod(n, len(claims))
        n, actor = divmod(n, len(actors))
        n, source = divmod(n, len(sources))
        body = {
            "claim_id": claims[claim],
            "actor_id": actors[actor],
            "source_id": sources[source],
            "label": W1_LABELS[n % len(W1_LABELS)],
        }
        reqs.append(("POST", "/v1/stances", json.dumps(body)))
    return reqs


def measure(
    args: argparse.Namespace, port: int, query: str, t: dict[str, list[str]], key: str
) -> Measured:
    key_for = key if query.startswith("W") else None  # reads are open, as in bench/run.py
    measured = Measured(0, 0, 0, 0, 0)
    for seconds in (args.warmup, args.duration):
        if seconds <= 0:
            continue
        reqs = new_stances(t) if query == "W1" else bench.requests_for(query, t)
        if args.client == "wrk":
            measured = wrk(port, reqs, key_for, seconds, args.connections)
        else:
            measured = asyncio.run(python_load(port, reqs, key_for, seconds, args.connections))
        if measured.errors:
            break
    return measured


def xacts(cluster: Cluster, server: Any, database: str) -> int:
    return int(
        server.sql(
            f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{database}'", "postgres"
        )
    )


def wait_counts(cluster: Cluster, server: Any, database: str, at_least: int) -> int:
    """The server's count once its backends have published what they did (they do when they
    exit, or within 10 s of going idle)."""
    deadline = time.monotonic() + 15
    while (count := xacts(cluster, server, database)) < at_least and time.monotonic() < deadline:
        time.sleep(0.2)
    return count


def sample_connections(
    cluster: Cluster, pool: str, stop: threading.Event, seen: Counter[str]
) -> None:
    """Every 0.1 s: the client connections PgBouncer holds for `pool`, and the server
    connections it has open for them, counted on the primary (the backends whose pids
    PgBouncer lists); the largest of each is kept in `seen`."""
    bouncer = cluster.bouncer
    assert bouncer is not None
    while not stop.is_set():
        for row in bouncer.admin("SHOW POOLS"):
            if row["database"] == pool:
                clients = int(row["cl_active"]) + int(row["cl_waiting"])
                seen["clients"] = max(seen["clients"], clients)
        pids = [r["remote_pid"] for r in bouncer.admin("SHOW SERVERS") if r["database"] == pool]
        if pids:
            servers = int(
                cluster.primary.sql(
                    f"SELECT count(*) FROM pg_stat_activity WHERE pid IN ({','.join(pids)})",
                    "postgres",
                )
            )
            seen["servers"] = max(seen["servers"], servers)
        time.sleep(0.1)


@dataclass
class Follower:
    """What a poller of the change feed received; `caught_up` is set once it has `target`."""

    ids: list[int]
    caught_up: asyncio.Event
    target: int | None = None


async def follow_feed(base: str, since: str, stop: asyncio.Event, follower: Follower) -> None:
    """Poll the change feed (answered by the standby) until `stop`."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while not stop.is_set():
            r = await http.get("/v1/changes", params={"since": since, "limit": 500})
            r.raise_for_status()
            page = r.json()
            follower.ids += [item["id"] for item in page["items"]]
            since = page["next_cursor"]
            if follower.target is not None and len(follower.ids) >= follower.target:
                follower.caught_up.set()
            if not page["items"]:
                await asyncio.sleep(0.1)


def wait_quiet(cluster: Cluster, database: str) -> None:
    """Until no request is writing to the primary (wrk stops sending, but the requests it
    left in flight still commit: their transactions are active, or idle in transaction while
    the app works between statements), and the standby has replayed everything."""
    busy = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        f"AND datname = '{database}' AND state <> 'idle'"
    )
    deadline = time.monotonic() + 30
    while cluster.primary.sql(busy, "postgres") != "0" and time.monotonic() < deadline:
        time.sleep(0.1)
    cluster.wait_replayed()


def settled_changes(cluster: Cluster, database: str, after: int) -> list[int]:
    """The changes after id `after` on the primary, in the feed's order, once quiet."""
    wait_quiet(cluster, database)
    ordered = f"SELECT id FROM changes WHERE id > {after} ORDER BY txid, id"
    return [int(i) for i in cluster.primary.sql(ordered, database).split()]


async def feed_end(base: str) -> str:
    since = None
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while True:
            params: dict[str, Any] = {"limit": 500, **({"since": since} if since else {})}
            page = (await http.get("/v1/changes", params=params)).json()
            since = page["next_cursor"]
            if len(page["items"]) < 500:
                return str(since)


async def read_back_lag(base: str, key: str, writes: int = 30) -> list[float]:
    """Milliseconds from a write's answer until the standby serves the record."""
    lags = []
    async with httpx.AsyncClient(
        base_url=base, timeout=10, headers={"Authorization": f"Bearer {key}"}
    ) as http:
        for n in range(writes):
            r = await http.post("/v1/claims", json={"statement": f"Read back {n} {time.time()}"})
            r.raise_for_status()
            answered = time.perf_counter()
            version = r.json()["version"]
            while True:
                got = await http.get(f"/v1/claims/{r.json()['id']}")
                if got.status_code == 200 and got.json()["version"] >= version:
                    break
                if time.perf_counter() - answered > 10:
                    raise AssertionError("a write not readable on the standby after 10 s")
                await asyncio.sleep(0.001)
            lags.append((time.perf_counter() - answered) * 1000)
    return sorted(lags)


async def reads_without_standby(
    base: str, cluster: Cluster, paths: list[str], seconds: float = 4
) -> tuple[Counter[int], float, float]:
    """GETs from 8 clients while the standby is stopped a second in: their statuses, the
    slowest, and the slowest once the first second after the stop had passed."""
    statuses: Counter[int] = Counter()
    slowest = slowest_after = 0.0
    stopped_at: list[float] = []
    deadline = time.monotonic() + seconds

    async def client(n: int, http: httpx.AsyncClient) -> None:
        nonlocal slowest, slowest_after
        i = n
        while time.monotonic() < deadline:
            i += 1
            started = time.monotonic()
            try:
                status = (await http.get(paths[i % len(paths)])).status_code
            except httpx.TransportError:
                status = 0
            took = time.monotonic() - started
            statuses[status] += 1
            slowest = max(slowest, took)
            if stopped_at and started > stopped_at[0] + 1:
                slowest_after = max(slowest_after, took)

    async def stop_standby() -> None:
        await asyncio.sleep(1)
        await asyncio.to_thread(cluster.standby.stop, "fast")
        stopped_at.append(time.monotonic())

    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        await asyncio.gather(stop_standby(), *(client(n, http) for n in range(8)))
    return statuses, slowest, slowest_after


ONE, TWO = "1 worker, primary alone", "2 workers, PgBouncer, standby"
READS = tuple(q for q in QUERIES if q.startswith("Q"))
Results = dict[str, dict[str, list[Measured]]]


@dataclass
class Setup:
    """What every step uses: the cluster, the benchmark database's name and URLs, the
    targets of the queries, a write key, and the two services' settings."""

    args: argparse.Namespace
    workdir: Path
    cluster: Cluster
    name: str
    t: dict[str, list[str]]
    key: str
    alone: dict[str, str]
    scaled: dict[str, str]


def run_queries(
    setup: Setup, label: str, port: int, queries: tuple[str, ...], results: Results
) -> None:
    for q in queries:
        m = measure(setup.args, port, q, setup.t, setup.key)
        results[q].setdefault(label, []).append(m)
        print(
            f"  {label:30} {q}: {m.rps:7.0f} req/s  p50 {m.p50:6.2f} ms  p99 {m.p99:7.2f} ms  "
            f"errors {m.errors}",
            flush=True,
        )


def round_of_both(setup: Setup, results: Results, round_: int) -> None:
    """Both services at once, measured in turn query by query (the first of each pair
    alternating by round, so that the machine's drift falls on both). During the scaled-out
    service's W1 a poller follows the change feed on the standby and the connections are
    sampled; then 80 writers at once."""
    with (
        Service(setup.alone, workers=1, log=setup.workdir / "alone.log") as alone,
        Service(setup.scaled, workers=2, log=setup.workdir / "scaled.log") as scaled,
    ):
        pair = ((ONE, alone), (TWO, scaled))
        for q in QUERIES:
            for label, service in pair if round_ % 2 == 0 else reversed(pair):
                if label == TWO and q == "W1":
                    w1_scaled(setup, service, results)
                else:
                    run_queries(setup, label, service.port, (q,), results)


def w1_scaled(setup: Setup, service: Service, results: Results) -> None:
    cluster, name = setup.cluster, setup.name
    bouncer = cluster.bouncer
    assert bouncer is not None
    wait_quiet(cluster, name)  # the previous measurement's writes are all in, or all out
    first_change = int(cluster.primary.sql("SELECT coalesce(max(id), 0) FROM changes", name))
    since = asyncio.run(feed_end(service.url))
    seen: Counter[str] = Counter()
    stop_sampling = threading.Event()
    sampler = threading.Thread(target=sample_connections, args=(cluster, name, stop_sampling, seen))
    sampler.start()

    async def w1_with_feed() -> tuple[list[int], list[int]]:
        stop, follower = asyncio.Event(), Follower([], asyncio.Event())
        poller = asyncio.create_task(follow_feed(service.url, since, stop, follower))
        try:
            await asyncio.to_thread(run_queries, setup, TWO, service.port, ("W1",), results)
            expected = await asyncio.to_thread(settled_changes, cluster, name, first_change)
            follower.target = len(expected)
            with contextlib.suppress(TimeoutError):  # the check says what is missing
                await asyncio.wait_for(follower.caught_up.wait(), 15)
        finally:
            stop.set()
            await asyncio.wait_for(poller, 30)
        return follower.ids, expected

    try:
        fed, expected = asyncio.run(w1_with_feed())
        w1_connections = dict(seen)
        seen.clear()
        # 80 writers at once: each worker's pool grows to 20 and its overflow.
        burst_args = argparse.Namespace(**{**vars(setup.args), "connections": 80, "warmup": 0})
        burst = measure(burst_args, service.port, "W1", setup.t, setup.key)
    finally:
        stop_sampling.set()
        sampler.join(10)
    burst_connections = dict(seen)
    missing = set(expected) - set(fed)
    check(
        "the change feed on the standby hands out every change once, in order",
        fed == expected,
        f"{len(fed)} changes polled during W1 and after, {len(expected)} committed: "
        f"{len(missing)} missing, {len(fed) - len(set(fed))} twice, "
        f"{'in' if fed == expected else 'out of'} the primary's commit-safe order",
    )
    FIGURES.setdefault("feed", []).append({"committed": len(expected), "polled": len(fed)})
    FIGURES.setdefault("connections", []).append(
        {"w1_16_clients": w1_connections, "w1_80_clients": burst_connections}
    )
    check(
        "2 workers x 20 connections share PgBouncer's server pool",
        burst.errors == 0
        and burst_connections.get("servers", 99) <= bouncer.pool_size
        and burst_connections.get("clients", 0) > bouncer.pool_size,
        f"W1 at 16 clients: {w1_connections.get('clients')} client connections at "
        f"PgBouncer, {w1_connections.get('servers')} server connections on the primary; at 80 "
        f"clients: {burst_connections.get('clients')} and {burst_connections.get('servers')} "
        f"(PgBouncer's pool: {bouncer.pool_size}), {burst.errors} errors, {burst.rps:.0f} req/s",
    )


def reads_counted(setup: Setup) -> None:
    """The scaled-out service alone: GETs counted on each server's pg_stat_database."""
    cluster, name = setup.cluster, setup.name
    with Service(setup.scaled, workers=2, log=setup.workdir / "scaled.log") as service:
        cluster.quiesce()
        standby_before = xacts(cluster, cluster.standby, name)
        primary_before = xacts(cluster, cluster.primary, name)
        counted: Results = {q: {} for q in READS}
        args = argparse.Namespace(**{**vars(setup.args), "warmup": 0, "duration": 3})
        for q in READS:
            m = measure(args, service.port, q, setup.t, setup.key)
            counted[q][TWO] = [m]
        served = sum(counted[q][TWO][0].requests for q in READS)
    standby = wait_counts(cluster, cluster.standby, name, standby_before + served)
    cluster.quiesce()
    primary = xacts(cluster, cluster.primary, name) - primary_before
    standby -= standby_before
    FIGURES["replica"] = {"gets": served, "standby_transactions": standby, "primary": primary}
    check(
        "GETs are answered by the standby",
        standby >= served and primary < served / 100,
        f"{served} GETs (Q1, Q3, Q5, 3 s each): standby +{standby} transactions, "
        f"primary +{primary}",
    )


def replica_away(setup: Setup) -> None:
    """Read-your-writes lag, then the standby stopped under read load and started again."""
    cluster, name = setup.cluster, setup.name
    with Service(setup.scaled, workers=2, log=setup.workdir / "scaled.log") as service:
        lags = asyncio.run(read_back_lag(service.url, setup.key))
        FIGURES["read_back_ms"] = {"p50": lags[len(lags) // 2], "max": lags[-1]}
        check(
            "read-your-writes: polling the version sees every write",
            True,
            f"{len(lags)} writes readable on the standby after p50 {lags[len(lags) // 2]:.1f}"
            f" ms, max {lags[-1]:.1f} ms",
        )
        paths = [r[1] for r in bench.requests_for("Q5", setup.t)[:50]]
        statuses, slowest, slowest_after = asyncio.run(
            reads_without_standby(service.url, cluster, paths)
        )
        cluster.standby.start()
        cluster.wait_streaming()
        others = {s: n for s, n in statuses.items() if s not in (200, 503)}
        FIGURES["standby_stopped"] = {
            "statuses": dict(statuses),
            "slowest_ms": slowest * 1000,
            "slowest_after_first_second_ms": slowest_after * 1000,
        }
        check(
            "with the standby stopped, reads go to the primary",
            not others and statuses[503] <= 2 * 8 and slowest_after < 1.0,
            f"{dict(statuses)} (503s: requests in flight on the standby as it stopped); "
            f"slowest {slowest * 1000:.0f} ms, after the first second "
            f"{slowest_after * 1000:.0f} ms",
        )
        time.sleep(replica.HOLD_SECONDS + 0.5)
        back = xacts(cluster, cluster.standby, name)
        with httpx.Client(base_url=service.url, timeout=10) as http:
            for path in paths:
                http.get(path).raise_for_status()
    returned = wait_counts(cluster, cluster.standby, name, back + len(paths)) - back
    check(
        "reads return to the standby once it is back",
        returned >= len(paths),
        f"{len(paths)} GETs, standby +{returned} transactions",
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def report_bench(args: argparse.Namespace, results: Results) -> None:
    errors = sum(m.errors for v in results.values() for ms in v.values() for m in ms)
    check("the benchmark ran without errors", errors == 0, f"{errors} errors")
    FIGURES["bench"] = {
        q: {label: [asdict(m) for m in ms] for label, ms in v.items()} for q, v in results.items()
    }
    print(
        f"\n{args.stances} stances, {args.connections} connections, {args.duration} s a "
        f"measurement after {args.warmup} s of warm-up, medians of {args.rounds} rounds "
        f"(the two services side by side, measured in turn), load from {args.client}; the "
        "machine's load "
        f"average {FIGURES['load_average_before'][0]:.1f} before, "
        f"{FIGURES['load_average_after'][0]:.1f} after"
    )
    print(f"{'query':6} {ONE:>30} {'p99':>9} {TWO:>30} {'p99':>9} {'x':>5}")
    for q in QUERIES:
        a, b = results[q].get(ONE, []), results[q].get(TWO, [])
        a_rps, b_rps = median([m.rps for m in a]), median([m.rps for m in b])
        print(
            f"{q:6} {a_rps:24.0f} req/s {median([m.p99 for m in a]):6.1f} ms "
            f"{b_rps:24.0f} req/s {median([m.p99 for m in b]):6.1f} ms "
            f"{b_rps / max(a_rps, 1e-9):5.2f}"
        )


def scale_out(args: argparse.Namespace, workdir: Path) -> None:
    data = bench.dataset(args.stances, args.seed)
    with Cluster() as cluster:
        bouncer = cluster.bouncer
        assert bouncer is not None
        bench.PG_ADMIN = cluster.primary.url("postgres")
        started = time.perf_counter()
        primary_url = bench.database("postgresql", args.stances, args.seed, data)
        name = primary_url.rsplit("/", 1)[1]
        print(f"dataset: {args.stances} stances loaded in {time.perf_counter() - started:.0f} s")
        key = asyncio.run(prepare(primary_url))
        cluster.wait_replayed(timeout=120)
        setup = Setup(
            args,
            workdir,
            cluster,
            name,
            asyncio.run(bench.targets(primary_url, args.seed)),
            key,
            alone={"DATABASE_URL": primary_url},
            scaled={
                "DATABASE_URL": bouncer.url(name),  # PgBouncer's pool for this database
                "CLAIMGRAPH_DB_PGBOUNCER": "true",
                "DATABASE_READ_URL": cluster.standby.url(name),
                "CLAIMGRAPH_DB_POOL_SIZE": str(POOL_SIZE),
            },
        )
        results: Results = {q: {} for q in QUERIES}
        print("\n== 3. the benchmark; 1. the change feed on the standby; 2. connections")
        FIGURES["load_average_before"] = os.getloadavg()
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}")
            round_of_both(setup, results, round_)
        FIGURES["load_average_after"] = os.getloadavg()
        print("\n== 1. GETs on the standby; read-your-writes; the standby stopped")
        reads_counted(setup)
        replica_away(setup)
        report_bench(args, results)


def drills(args: argparse.Namespace, workdir: Path) -> None:
    print("\n== 4. the failover drill")
    reports: list[DrillReport] = []
    for synchronous, repoint in ((True, "pgbouncer"), (False, "pgbouncer"), (True, "restart")):
        report = asyncio.run(
            run_drill(
                synchronous=synchronous,
                repoint=repoint,  # type: ignore[arg-type]
                link_delay=args.link_delay / 1000,
                workdir=workdir,
            )
        )
        reports.append(report)
        name = f"failover, {report.replication}, {report.repoint}"
        check(
            f"{name}: back, nothing acknowledged lost"
            + ("" if synchronous else " (asynchronous: measured)"),
            not report.unexpected and (report.lost == 0 or not synchronous),
            f"unavailable {report.unavailable_s:.1f} s (promote {report.promote_s:.2f} s, "
            f"re-point {report.repoint_s:.2f} s); {report.acknowledged} acknowledged at "
            f"{report.writes_per_second:.0f}/s, {report.lost} lost"
            + (f"; unexpected: {report.unexpected[:3]}" if report.unexpected else ""),
        )
        check(
            f"{name}: each unknown write settled by its retry, once",
            report.duplicates == 0 and report.in_progress == 0,
            f"{report.unknown} unknown ({report.refused} more refused, never sent): "
            f"{report.retried} acknowledged on retry, "
            f"{report.in_progress} answered 409 in progress ({report.in_progress_written} of them "
            f"written); {report.duplicates} written twice",
        )
    FIGURES["failover"] = [asdict(r) for r in reports]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stances", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both services")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--link-delay", type=float, default=10.0, help="ms each way to the drill's standby"
    )
    parser.add_argument("--client", choices=("wrk", "python"))
    parser.add_argument("--skip-drills", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.client is None:
        args.client = "wrk" if shutil.which("wrk") else "python"
        if args.client == "python":
            print(bench.PYTHON_CLIENT_WARNING, file=sys.stderr)
    missing = missing_parts()
    if missing is not None:
        print(f"cannot run: {missing}", file=sys.stderr)
        raise SystemExit(2)
    # A stop by signal still runs the clean-up (try/finally here, atexit in the cluster).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="claimgraph-scale-out-"))
    started = time.monotonic()
    try:
        scale_out(args, workdir)
        if not args.skip_drills:
            drills(args, workdir)
    except Exception as exc:  # a step that broke is a failed check, after the clean-up
        check("every step ran", False, f"{type(exc).__name__}: {exc}"[:2000])
    finally:
        if all(c.ok for c in CHECKS):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"\nthe services' logs are kept in {workdir}")
    print(f"\n{'check':72} result")
    for c in CHECKS:
        print(f"{c.name:72} {'ok' if c.ok else 'FAILED'}")
    print(
        f"\n{len(CHECKS)} checks, {sum(not c.ok for c in CHECKS)} failed, "
        f"{time.monotonic() - started:.0f} s"
    )
    if args.json:
        figures = {**FIGURES, "checks": [asdict(c) for c in CHECKS], "args": vars(args)}
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    raise SystemExit(0 if CHECKS and all(c.ok for c in CHECKS) else 1)


if __name__ == "__main__":
    main()
