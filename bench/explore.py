"""The explorer's claim page: server time for claims of about 500 stances in a large dataset.

    python bench/explore.py --url postgresql://postgres@127.0.0.1:5432/claimgraph_bench_1000000_seed1
    python bench/explore.py --stances 1000000 --db postgresql     # generate and load it first

Runs the real app in this process against the database (the ASGI app through httpx, no
socket: the time is the server's, from the request entering the app to the last byte of the
page) and, for the same claims, the page's two halves alone: gathering its data through the
API's queries, and rendering the templates and pictures. Picks the claims whose stance count
is nearest `--target` (500), asks for each page `--warmup` times unmeasured and `--repeat`
times measured, and prints the minimum, median, 90th percentile and maximum, with the app's
own CPU time per page (the rest of the wall time is PostgreSQL's, or waiting for a core on a
shared machine) and the load average when the run started and ended. Figures go to
docs/explore.md, never into tests.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from app import migrate
from app.explore.claim_page import claim_page
from app.explore.rendering import templates
from app.main import create_app
from app.settings import Settings


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "min_ms": round(ordered[0] * 1000, 1),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def measure(url: str, target: int, claims: int, warmup: int, repeat: int) -> dict[str, Any]:
    app = create_app(Settings(database_url=url, log_level="warning"))
    await migrate.upgrade(app.state.engine)  # a no-op on a current database
    async with app.router.lifespan_context(app):
        async with app.state.engine.connect() as conn:
            total = (await conn.execute(text("SELECT count(*) FROM stances"))).scalar_one()
            picked = (
                await conn.execute(
                    text(
                        "SELECT claim_id, total FROM claim_stats "
                        "ORDER BY abs(total - :target), claim_id LIMIT :n"
                    ),
                    {"target": target, "n": claims},
                )
            ).all()
        transport = httpx.ASGITransport(app=app)
        whole: list[float] = []
        cpu: list[float] = []  # this process's CPU: the app's own work, not PostgreSQL's
        gather: list[float] = []
        render: list[float] = []
        sizes: list[int] = []
        reader = getattr(app.state, "query_sessionmaker", app.state.sessionmaker)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for claim_id, _ in picked:
                path = f"/explore/claims/{claim_id}"
                for i in range(warmup + repeat):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    r = await http.get(path)
                    elapsed = time.perf_counter() - started
                    used = time.process_time() - started_cpu
                    assert r.status_code == 200, r.text[:500]
                    if i >= warmup:
                        whole.append(elapsed)
                        cpu.append(used)
                        sizes.append(len(r.content))
                for i in range(warmup + repeat):
                    async with reader() as session:
                        started = time.perf_counter()
                        page = await claim_page(session, claim_id, None)
                        gathered = time.perf_counter()
                    # What TemplateResponse renders, without a request object around it.
                    templates.get_template("claim.html").render(
                        page=page, request=None, has_key=False, csrf=""
                    )
                    done = time.perf_counter()
                    if i >= warmup:
                        gather.append(gathered - started)
                        render.append(done - gathered)
    return {
        "database": app.state.engine.dialect.name,
        "stances_in_database": total,
        "claims": [{"id": str(c), "stances": n} for c, n in picked],
        "requests": len(whole),
        "page": summary(whole),
        "page_app_cpu": summary(cpu),
        "gather": summary(gather),
        "render": summary(render),
        "page_kb": round(statistics.median(sizes) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="a database holding a dataset (else --stances)")
    parser.add_argument("--stances", type=int, help="generate and load this many (bench/run.py)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--target", type=int, default=500, help="stances per claim")
    parser.add_argument("--claims", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    url = args.url
    if url is None:
        if args.stances is None:
            parser.error("give --url or --stances")
        import run  # bench/run.py: the same dataset and database as the other benchmarks

        url = run.database(args.db, args.stances, args.seed, run.dataset(args.stances, args.seed))
    # The machine's load over the run: on a shared machine the medians follow it, and the
    # app's CPU time per page far less.
    load_before = os.getloadavg()[0]
    figures = asyncio.run(measure(url, args.target, args.claims, args.warmup, args.repeat))
    figures["load_average"] = {"start": load_before, "end": os.getloadavg()[0]}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
