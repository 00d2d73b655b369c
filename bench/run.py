"""Benchmark the service against the ceiling on the same data, alternating the two.

    python bench/run.py --stances 10000 --db postgresql --duration 10 --rounds 3

Generates (or reuses) a dataset with bench/generate.py, loads it with `claimgraph import`
into a dedicated database (SQLite file or PostgreSQL database `claimgraph_bench_<N>`), then
for each query runs the service (`claimgraph serve`, one worker unless --workers) and the
ceiling (bench/ceiling.py) in turn, `--rounds` times, driving each with wrk (or a small
asyncio client: `--client python`, or a warning and that client when wrk is not installed;
it shares the cores with both servers, so its figures are lower) at `--connections`
concurrent connections. Prints
req/s, p50 and p99 per query and target (medians over the rounds) and the service/ceiling
ratios; `--json FILE` keeps the figures. `--baseline DIR` also serves the same data from another
checkout (e.g. `git worktree add /tmp/base <rev>`), measured in turn with the other two, so a
change is judged old against new in one run. Each measurement follows `--warmup` seconds of the
same load on the same server, not counted: both servers are measured warm.

Queries: Q1 a claim's stances by side (50 rows; hot and cold claims mixed), Q2 an actor's
stances, Q3 contested claims (top 50 by stances), Q4 claim search by text, Q5 the claim
summary, W1 single stance creation; H the service's /healthz (no database; the ceiling answers
it with a bare FastAPI app), the floor the queries are held to on SQLite.
"""

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.db.engines import create_engine

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
PG_ADMIN = os.environ.get("CLAIMGRAPH_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
QUERIES = ("H", "Q1", "Q2", "Q3", "Q4", "Q5", "W1")
FLOOR_QUERIES = frozenset({"Q5", "W1"})  # the paths bench/floor.py serves
PYTHON_CLIENT_WARNING = (
    "wrk is not installed: the load comes from the Python client, which shares the cores with "
    "both servers and lowers their req/s (install wrk: apt-get install wrk)"
)


@dataclass
class Result:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "rps": statistics.median(self.rps),
            "p50_ms": statistics.median(self.p50),
            "p99_ms": statistics.median(self.p99),
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 7200) -> str:
    done = subprocess.run(
        cmd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def dataset(stances: int, seed: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"stances-{stances}-seed{seed}.ndjson"
    if not path.exists():
        tmp = path.with_suffix(".part")
        run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--stances",
                str(stances),
                "--seed",
                str(seed),
                "-o",
                str(tmp),
            ]
        )
        tmp.rename(path)
    return path


async def count_stances(url: str) -> int:
    """Stances in the benchmark database (-1 if there is none). A count other than the
    dataset's means an earlier run wrote to it (W1): it is loaded afresh."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM stances"))).scalar_one())
    except Exception:
        return -1
    finally:
        await engine.dispose()


def database(kind: str, stances: int, seed: int, data: Path) -> str:
    """A database holding the dataset (reused when it already does)."""
    if kind == "sqlite":
        url = f"sqlite:///{DATA / f'bench-{stances}-seed{seed}.db'}"
    else:
        name = f"claimgraph_bench_{stances}_seed{seed}"
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    if asyncio.run(count_stances(url)) == stances:
        # Kept, at the schema of the code under test (a no-op when it is current).
        run([sys.executable, "-m", "app.cli.main", "db", "upgrade"], {"DATABASE_URL": url})
        return url
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
    else:
        admin = PG_ADMIN
        run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])
        run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'])
    env = {"DATABASE_URL": url}
    run([sys.executable, "-m", "app.cli.main", "db", "upgrade"], env)
    started = time.perf_counter()
    run([sys.executable, "-m", "app.cli.main", "import", str(data)], env)
    print(f"loaded {stances} stances into {kind} in {time.perf_counter() - started:.1f} s")
    if kind == "postgresql":
        # What autovacuum would do in time: statistics, and the visibility map that lets
        # index-only scans skip the heap (without it every read measured runs cold).
        run(["psql", url.replace("+asyncpg", ""), "-qc", "VACUUM ANALYZE"])
    return url


async def targets(url: str, seed: int) -> dict[str, list[str]]:
    """Ids and words the queries use: hot and cold claims, actors, sources, search words."""
    rng = random.Random(seed)
    engine = create_engine(url)
    async with engine.connect() as conn:

        async def column(sql: str) -> list[Any]:
            return [r[0] for r in (await conn.execute(text(sql))).all()]

        hot = await column("SELECT claim_id FROM claim_stats ORDER BY total DESC LIMIT 20")
        cold = await column(
            "SELECT claim_id FROM claim_stats WHERE total BETWEEN 1 AND 20 "
            "ORDER BY claim_id LIMIT 2000"
        )
        actors = await column("SELECT DISTINCT actor_id FROM stances ORDER BY actor_id LIMIT 2000")
        sources = await column("SELECT id FROM sources ORDER BY id LIMIT 2000")
        # W1's quotes are its own: on sources without a text, which hold any quote.
        untexted = await column("SELECT id FROM sources WHERE text IS NULL ORDER BY id LIMIT 2000")
        statements = await column("SELECT statement FROM claims ORDER BY id LIMIT 500")
    await engine.dispose()
    words = sorted({w for s in statements for w in re.findall(r"[a-z]{5,}", s.lower())})
    read = rng.sample(cold, min(80, len(cold)))
    # W1 writes to other claims than the reads ask about: its stances (thousands a round)
    # would otherwise grow the claims that Q1 and Q5 read, and later rounds would measure
    # another dataset.
    written = [c for c in cold if c not in set(read)][:200]
    claims = [str(c) for c in read] + [str(c) for c in hot]
    rng.shuffle(claims)
    return {
        "claims": claims,
        "write_claims": [str(c) for c in written],
        "actors": [str(a) for a in rng.sample(actors, min(100, len(actors)))],
        "sources": [str(s) for s in rng.sample(sources, min(100, len(sources)))],
        "write_sources": [str(s) for s in rng.sample(untexted, min(100, len(untexted)))],
        "words": rng.sample(words, min(50, len(words))),
    }


def requests_for(query: str, t: dict[str, list[str]]) -> list[tuple[str, str, str | None]]:
    """(method, path, body) cycled through by the load generator."""
    if query == "H":
        return [("GET", "/healthz", None)]
    if query == "Q1":
        return [("GET", f"/v1/claims/{c}/stances?side=support&limit=50", None) for c in t["claims"]]
    if query == "Q2":
        return [("GET", f"/v1/actors/{a}/stances?limit=50", None) for a in t["actors"]]
    if query == "Q3":
        return [("GET", "/v1/claims?contested=true&sort=stances&limit=50", None)]
    if query == "Q4":
        return [("GET", f"/v1/claims?q={w}&limit=50", None) for w in t["words"]]
    if query == "Q5":
        return [("GET", f"/v1/claims/{c}", None) for c in t["claims"]]
    rng = random.Random(7)
    labels = ["confirmed", "asserted", "likely", "reported", "questioned", "denied"]
    return [
        (
            "POST",
            "/v1/stances",
            json.dumps(
                {
                    "claim_id": rng.choice(t["write_claims"]),
                    "actor_id": rng.choice(t["actors"]),
                    "source_id": rng.choice(t["write_sources"]),
                    "label": rng.choice(labels),
                    # The same stance twice is refused: each write gets a quote of its own.
                    "quote": f"Benchmark write {UNIQUE}",
                }
            ),
        )
        for _ in range(200)
    ]


# Stands in a request body for a number no other request of the run sends.
UNIQUE = "#n#"


def nonce() -> str:
    """A prefix no other load of this run (or of an earlier run on the same data) has used."""
    return f"{os.getpid()}-{time.time_ns()}"


def lua_script(reqs: list[tuple[str, str, str | None]], key: str | None) -> str:
    def q(s: str) -> str:
        return json.dumps(s)

    entries = ",\n".join(f"  {{{q(m)}, {q(p)}, {q(b) if b else 'nil'}}}" for m, p, b in reqs)
    auth = f'wrk.headers["Authorization"] = {q("Bearer " + key)}' if key else ""
    return f"""
local reqs = {{
{entries}
}}
local i = 0
local sent = 0
local threads = 0
wrk.headers["Content-Type"] = "application/json"
{auth}
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  i = i % #reqs + 1
  sent = sent + 1
  local r = reqs[i]
  local body = r[3]
  if body then
    body = string.gsub(body, "{UNIQUE}", "{nonce()}-" .. tostring(tid) .. "-" .. sent)
  end
  return wrk.format(r[1], r[2], nil, body)
end
"""


def wrk(
    port: int,
    reqs: list[tuple[str, str, str | None]],
    key: str | None,
    duration: int,
    connections: int,
) -> tuple[float, float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(reqs, key))
    out = run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            f.name,
            f"http://127.0.0.1:{port}",
        ]
    )
    os.unlink(f.name)
    if "Non-2xx" in out:
        raise SystemExit(f"errors from port {port}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rps, pct("50"), pct("99")


async def python_load(
    port: int,
    reqs: list[tuple[str, str, str | None]],
    key: str | None,
    duration: int,
    connections: int,
) -> tuple[float, float, float]:
    """A plain asyncio load generator (for machines without wrk)."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    latencies: list[float] = []
    deadline = time.perf_counter() + duration
    prefix = nonce()

    async def worker(offset: int) -> None:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30
        ) as http:
            i = offset
            while time.perf_counter() < deadline:
                method, path, body = reqs[i % len(reqs)]
                i += 1
                if body is not None:
                    body = body.replace(UNIQUE, f"{prefix}-{offset}-{i}")
                t = time.perf_counter()
                r = await http.request(method, path, content=body)
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code >= 300:
                    raise SystemExit(f"{r.status_code} from {path}: {r.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
    )


class Server:
    def __init__(
        self, name: str, cmd: list[str], port: int, env: dict[str, str], cwd: Path | None = None
    ) -> None:
        self.name, self.port = name, port
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/claims?limit=1", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{name} did not start")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stances", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="seconds of the same load before each measurement, not counted",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        help="the load generator (default: wrk when installed, else python)",
    )
    parser.add_argument("--no-ceiling", action="store_true", help="measure the service only")
    parser.add_argument(
        "--floor",
        nargs="?",
        const="ceiling",
        choices=("ceiling", "contract"),
        help="also measure the stack's floor (bench/floor.py) on Q5 and W1; its write does "
        "the ceiling's statements, or with `contract` also the key, tallies and history",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of an earlier revision, served the same way and measured in turn",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.client is None:
        args.client = "wrk" if shutil.which("wrk") else "python"
        if args.client == "python":
            # Its figures are not comparable with wrk's: it takes a core's share from both
            # servers (BENCHMARKS.md).
            print(PYTHON_CLIENT_WARNING, file=sys.stderr)

    data = dataset(args.stances, args.seed)
    url = database(args.db, args.stances, args.seed, data)
    t = asyncio.run(targets(url, args.seed))
    key = (
        run(
            [
                sys.executable,
                "-m",
                "app.cli.main",
                "keys",
                "create",
                "--name",
                "bench",
                "--scope",
                "write",
            ],
            {"DATABASE_URL": url, "COLUMNS": "200"},
        )
        .strip()
        .split()[-1]
    )
    queries = [q for q in args.queries.split(",") if q]
    results: dict[str, dict[str, Result]] = {
        q: {name: Result() for name in ("service", "ceiling", "baseline", "floor")} for q in queries
    }
    names = ["service"] if args.no_ceiling else ["service", "ceiling"]
    if args.baseline:
        names.insert(1, "baseline")
    if args.floor:
        names.append("floor")
    for round_ in range(args.rounds):
        order = names if round_ % 2 == 0 else list(reversed(names))
        for name in order:
            port = free_port()
            if name in ("service", "baseline"):
                # The baseline's own `app` package comes first on the path. `python -m` puts
                # the working directory before PYTHONPATH: each server runs in its own tree,
                # or from a checkout both would run the checkout's `app`.
                root = args.baseline.resolve() if name == "baseline" else HERE.parent
                tree = {"PYTHONPATH": str(root)} if name == "baseline" else {}
                server = Server(
                    name,
                    [
                        sys.executable,
                        "-m",
                        "app.cli.main",
                        "serve",
                        "--port",
                        str(port),
                        "--workers",
                        str(args.workers),
                    ],
                    port,
                    {"DATABASE_URL": url, "CLAIMGRAPH_LOG_LEVEL": "warning", **tree},
                    cwd=root,
                )
            else:
                script = "floor.py" if name == "floor" else "ceiling.py"
                server = Server(
                    name,
                    [
                        sys.executable,
                        str(HERE / script),
                        "--database-url",
                        url,
                        "--port",
                        str(port),
                        *(["--write", args.floor] if name == "floor" else []),
                    ],
                    port,
                    {},
                )
            try:
                for q in queries:
                    if name == "floor" and q not in FLOOR_QUERIES:
                        continue
                    reqs = requests_for(q, t)
                    # Reads are open by default (CLAIMGRAPH_READS_REQUIRE_KEY=false): only the
                    # write sends a key, as a client of an open service would.
                    key_for = key if q.startswith("W") else None
                    # Each server starts cold (no statement prepared on its connections, no
                    # plan cached, pools not yet full): the warm-up's requests are not counted.
                    for seconds in (args.warmup, args.duration):
                        if seconds <= 0:
                            continue
                        if args.client == "wrk":
                            measured = wrk(port, reqs, key_for, seconds, args.connections)
                        else:
                            measured = asyncio.run(
                                python_load(port, reqs, key_for, seconds, args.connections)
                            )
                    r = results[q][name]
                    r.rps.append(measured[0])
                    r.p50.append(measured[1])
                    r.p99.append(measured[2])
                    print(
                        f"round {round_ + 1} {name:8} {q}: {measured[0]:8.0f} req/s  "
                        f"p50 {measured[1]:6.2f} ms  p99 {measured[2]:6.2f} ms",
                        flush=True,
                    )
            finally:
                server.stop()
    report: dict[str, Any] = {
        "stances": args.stances,
        "db": args.db,
        "connections": args.connections,
        "workers": args.workers,
        "duration": args.duration,
        "rounds": args.rounds,
        "client": args.client,
        "queries": {},
    }
    print(
        f"\n{args.db}, {args.stances} stances, {args.connections} connections, "
        f"{args.workers} worker(s), medians of {args.rounds} rounds, load from {args.client}"
    )
    print(
        f"{'query':6} {'service req/s':>14} {'p50':>8} {'p99':>8} {'ceiling req/s':>14} "
        f"{'p50':>8} {'p99':>8} {'ratio':>6}"
    )
    for q in queries:
        s = results[q]["service"].summary()
        entry: dict[str, Any] = {"service": s}
        line = f"{q:6} {s['rps']:14.0f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f}"
        if not args.no_ceiling:
            c = results[q]["ceiling"].summary()
            entry["ceiling"] = c
            entry["ratio"] = s["rps"] / c["rps"]
            line += f" {c['rps']:14.0f} {c['p50_ms']:8.2f} {c['p99_ms']:8.2f} {entry['ratio']:6.2f}"
        if args.baseline:
            b = results[q]["baseline"].summary()
            entry["baseline"] = b
            entry["vs_baseline"] = s["rps"] / b["rps"]
            line += f"  baseline {b['rps']:8.0f} {b['p99_ms']:8.2f}"
            line += f"  new/old {entry['vs_baseline']:5.2f}"
        if args.floor and q in FLOOR_QUERIES:
            f = results[q]["floor"].summary()
            entry["floor"] = f
            entry["vs_floor"] = s["rps"] / f["rps"]
            line += f"  floor {f['rps']:8.0f} {f['p99_ms']:8.2f}"
            line += f"  service/floor {entry['vs_floor']:5.2f}"
            if not args.no_ceiling:
                entry["floor_vs_ceiling"] = f["rps"] / c["rps"]
                line += f"  floor/ceiling {entry['floor_vs_ceiling']:5.2f}"
        report["queries"][q] = entry
        print(line)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
