"""The cost of the full-text triggers on SQLite: a claim's statement edited, and a claim
deleted, in a database of N claims, as plain SQL so that only the triggers' work is timed.

    python bench/sqlite_edits.py --claims 100000
    python bench/sqlite_edits.py --claims 100000 --revision 0019_packed_indexes

`--revision` migrates to an earlier schema instead of the head (0019: the triggers found a
claim's full-text rows by reading the tables whole).
"""

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import migrate
from app.db.engines import create_engine

WORDS = (
    "troops",
    "crossed",
    "the",
    "border",
    "drones",
    "river",
    "village",
    "army",
    "deployed",
    "soldiers",
    "report",
)
INSERT = (
    "INSERT INTO claims (id, statement, statement_key, created_at, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, 1)"
)


async def migrated(path: Path, revision: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        await migrate.upgrade(engine, revision)
    finally:
        await engine.dispose()


def timed(database: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> float:
    start = time.perf_counter()
    database.execute(sql, params)
    database.commit()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--revision", default="head")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edits.db"
        asyncio.run(migrated(path, args.revision))
        database = sqlite3.connect(path)
        rng = random.Random(1)
        now = "2026-01-01 00:00:00.000000"
        ids = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(args.claims)]
        rows = [(i, " ".join(rng.choices(WORDS, k=12)), i, now, now) for i in ids]
        start = time.perf_counter()
        database.executemany(INSERT, rows)
        database.commit()
        inserted = time.perf_counter() - start
        edits = [
            timed(database, "UPDATE claims SET statement = ? WHERE id = ?", (f"Owls {n}", ids[n]))
            for n in range(args.repeat)
        ]
        deletes = [
            timed(database, "DELETE FROM claims WHERE id = ?", (ids[-1 - n],))
            for n in range(args.repeat)
        ]
        database.close()
    print(
        f"sqlite, {args.claims} claims at {args.revision}: inserted in {inserted:.2f} s; "
        f"a statement edited {statistics.median(edits):.2f} ms, a claim deleted "
        f"{statistics.median(deletes):.2f} ms (medians of {args.repeat})"
    )


if __name__ == "__main__":
    main()
