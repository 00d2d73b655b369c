"""Stance suggestions: a 5,000-word article, and 1,000 headlines, through the API.

    python bench/suggestions.py --db sqlite
    python bench/suggestions.py --db postgresql --runs 5

The database is fresh, migrated, with the worked example loaded (its 30 claims are what the
article's sentences are matched against). The article is built, with a fixed seed, from the
worked example's article and the gold sentences of tests/suggestions until it holds 5,000
words (each round's sentences made distinct, so that none is looked up twice). Three figures:
- `engine`: the rules alone on the article (no database, no HTTP), in process;
- `article`: `POST /v1/suggestions {"text": article}` against a `claimgraph serve` process
  (uvicorn, one worker), wall time of each request;
- `headlines`: 1,000 headline-length texts (the gold sentences and the article's sentences,
  cycled), each its own request, 4 at a time over keep-alive connections, wall time for all.
Each figure is run `--runs` times; the minimum, median and maximum are printed (targets: article
≤ 300 ms, headlines ≤ 5 s). Speed is never asserted in tests: timings live here.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demo.loader import demo_lines  # noqa: E402
from app.suggestions.engine import analyse  # noqa: E402
from app.suggestions.lexicon import lexicon_for  # noqa: E402

PG = os.environ.get("CLAIMGRAPH_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
GOLD = ROOT / "tests" / "suggestions" / "gold_sentences.json"
WORDS = 5_000
HEADLINES = 1_000
CONCURRENCY = 4


def article_text() -> str:
    """The worked example's article and the gold sentences, shuffled by paragraph (seed 29),
    repeated until 5,000 words."""
    source = next(json.loads(line) for line in demo_lines() if '"type": "source"' in line)
    paragraphs = source["text"].splitlines()[1:]
    paragraphs += [case["text"] for case in json.loads(GOLD.read_text())["cases"]]
    rng = random.Random(29)
    out = [source["title"]]
    year = 1990
    while sum(len(p.split()) for p in out) < WORDS:
        rng.shuffle(paragraphs)
        year += 1
        # Each round's sentences differ (`… in 1991.`): no sentence is looked up twice.
        out += [p.replace(". ", f" in {year}. ") for p in paragraphs]
    return "\n".join(out)


def headlines(article: str) -> list[str]:
    """Headline-length texts: the gold sentences and the article's lines of 6-30 words."""
    texts = [case["text"] for case in json.loads(GOLD.read_text())["cases"]]
    texts += [line for line in article.splitlines() if 6 <= len(line.split()) <= 30]
    return [texts[n % len(texts)] for n in range(HEADLINES)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(db: str, folder: Path) -> tuple[str, str | None]:
    """A fresh database URL (and, for PostgreSQL, its name to drop)."""
    if db == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    name = f"claimgraph_bench_{os.getpid()}"
    server = PG.rsplit("/", 1)[0]
    subprocess.run(["psql", PG, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run(["psql", PG, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return f"{server}/{name}", name


def _figures(values: list[float]) -> str:
    return (
        f"min {min(values) * 1000:.0f} ms  median {statistics.median(values) * 1000:.0f} ms  "
        f"max {max(values) * 1000:.0f} ms"
    )


async def _over_http(base: str, article: str, texts: list[str], runs: int) -> None:
    limits = httpx.Limits(max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        r = await http.post("/v1/suggestions", json={"text": article})
        r.raise_for_status()
        items = len(r.json()["items"])
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            (await http.post("/v1/suggestions", json={"text": article})).raise_for_status()
            timings.append(time.perf_counter() - start)
        print(f"article ({items} suggestions): {_figures(timings)}")
        queue = asyncio.Semaphore(CONCURRENCY)

        async def one(text: str) -> None:
            async with queue:
                (await http.post("/v1/suggestions", json={"text": text})).raise_for_status()

        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            await asyncio.gather(*(one(t) for t in texts))
            timings.append(time.perf_counter() - start)
        print(f"headlines ({len(texts)} requests, {CONCURRENCY} at a time): {_figures(timings)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    article = article_text()
    texts = headlines(article)
    print(f"article: {len(article.split())} words, {len(article)} characters")
    lexicon = lexicon_for("en")
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        found = analyse(article, lexicon)
        timings.append(time.perf_counter() - start)
    print(f"engine ({len(found)} findings): {_figures(timings)}")
    with tempfile.TemporaryDirectory() as folder:
        url, pg_name = _database(args.db, Path(folder))
        env = {**os.environ, "DATABASE_URL": url}
        cli = [sys.executable, "-m", "app.cli.main"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*cli, "demo", "load"], env=env, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port)],
            env={**env, "CLAIMGRAPH_LOG_LEVEL": "warning"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            asyncio.run(_over_http(base, article, texts, args.runs))
        finally:
            server.terminate()
            server.wait(10)
            if pg_name:
                drop = f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'
                subprocess.run(["psql", PG, "-qc", drop], check=True)


if __name__ == "__main__":
    main()
