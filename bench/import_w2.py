"""W2: bulk import of a generated NDJSON file, against a plain COPY of the same rows.

    python bench/import_w2.py --file bench/.data/w2.ndjson --db postgresql --runs 3
    python bench/import_w2.py --file bench/.data/w2.ndjson --db sqlite --runs 3

Each run imports the file with `claimgraph import` into a fresh, migrated database under
/usr/bin/time -v (wall time, CPU, peak RSS of the importing process). On PostgreSQL each import
is followed, side by side, by the baseline: a fresh migrated database holding everything but
the stances, into which the very stance rows the import wrote are loaded with a plain
`COPY stances FROM STDIN` (psql \\copy) into the same indexed schema with its foreign keys;
and a `COPY` of every row of every table the import writes (history included). On SQLite the
baseline is the database's own `INSERT INTO stances SELECT ...` of the same rows from an
attached copy, foreign keys on. With `--again`, the same file is then imported a second time
into the same database (every record unchanged: the idempotent re-run of a feed), timed the
same way. Prints one line per run and the medians; `--json` keeps them.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PG = os.environ.get("CLAIMGRAPH_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
SERVER = PG.rsplit("/", 1)[0]
# Tables the import writes, parents first (claim_stats after claims, changes last).
TABLES = [
    "actors",
    "actor_aliases",
    "actor_external_ids",
    "affiliations",
    "sources",
    "source_authors",
    "citations",
    "claims",
    "claim_tags",
    "claim_subjects",
    "claim_relations",
    "claim_stats",
    "claim_tallies",
    "claim_side_actors",
    "stances",
    "changes",
]


def sh(cmd: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def psql(url: str, *commands: str) -> str:
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url]
    for command in commands:
        args += ["-c", command]
    return sh(args)


def fresh_pg(name: str) -> str:
    psql(PG, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = f"{SERVER}/{name}"
    sh([sys.executable, "-m", "app.cli.main", "db", "upgrade"], {"DATABASE_URL": url})
    return url


def fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    sh([sys.executable, "-m", "app.cli.main", "db", "upgrade"], {"DATABASE_URL": url})
    return url


def timed_import(url: str, data: Path) -> dict[str, float]:
    """`claimgraph import` under /usr/bin/time -v."""
    out = sh(
        ["/usr/bin/time", "-v", sys.executable, "-m", "app.cli.main", "import", str(data)],
        {"DATABASE_URL": url, "COLUMNS": "120"},
    )

    def field(label: str) -> str:
        match = re.search(rf"{re.escape(label)}: (.+)", out)
        assert match, (label, out[-2000:])
        return match.group(1).strip()

    clock = [float(x) for x in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    wall = clock[-1] + 60 * clock[-2] + (3600 * clock[-3] if len(clock) == 3 else 0)
    return {
        "wall_s": wall,
        "user_s": float(field("User time (seconds)")),
        "sys_s": float(field("System time (seconds)")),
        "peak_rss_mb": int(field("Maximum resident set size (kbytes)")) / 1024,
    }


def columns(url: str, table: str) -> str:
    return psql(
        url,
        "\\pset tuples_only on",
        "\\pset format unaligned",
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
        f"information_schema.columns WHERE table_name = '{table}' AND is_generated = 'NEVER'",
    ).strip()


def dump(url: str, workdir: Path) -> dict[str, tuple[Path, str]]:
    """Every table the import wrote, as COPY text files."""
    files = {}
    for table in TABLES:
        cols = columns(url, table)
        path = workdir / f"{table}.tsv"
        psql(url, f"\\copy (SELECT {cols} FROM {table} ORDER BY 1) TO '{path}'")
        files[table] = (path, cols)
    return files


def copy_baseline(files: dict[str, tuple[Path, str]], name: str) -> dict[str, float]:
    """Stance rows COPYed into a migrated database holding their parents; then every table
    COPYed into another empty one."""
    url = fresh_pg(name)
    for table in TABLES[: TABLES.index("stances")]:
        path, cols = files[table]
        psql(url, f"\\copy {table} ({cols}) FROM '{path}'")
    path, cols = files["stances"]
    started = time.perf_counter()
    psql(url, f"\\copy stances ({cols}) FROM '{path}'")
    stances = time.perf_counter() - started
    url = fresh_pg(name)
    took: dict[str, float] = {}
    for table in TABLES:
        path, cols = files[table]
        started = time.perf_counter()
        psql(url, f"\\copy {table} ({cols}) FROM '{path}'")
        took[table] = time.perf_counter() - started
    tallies = took["claim_tallies"] + took["claim_side_actors"]
    return {
        "copy_stances_s": stances,
        "copy_all_s": sum(took.values()),
        "copy_tallies_s": tallies,
        "copy_all_but_tallies_s": sum(took.values()) - tallies,
        "copy_s_by_table": {table: round(took[table], 2) for table in TABLES},
    }


def sqlite_baseline(imported: Path, workdir: Path) -> dict[str, float]:
    """The same stance rows inserted by SQLite itself from an attached copy (FKs on)."""
    target = workdir / "baseline.db"
    fresh_sqlite(target)
    script = [f"ATTACH '{imported}' AS src;", "PRAGMA foreign_keys = ON;", "BEGIN;"]
    script += [f"INSERT INTO {t} SELECT * FROM src.{t};" for t in TABLES[:-2]]
    script += ["COMMIT;"]
    subprocess.run(["sqlite3", str(target)], input="\n".join(script), text=True, check=True)
    started = time.perf_counter()
    stances = (
        f"PRAGMA cache_size = -{32 * 1024}; PRAGMA foreign_keys = ON; BEGIN; "
        "INSERT INTO stances SELECT * FROM src.stances;"
    )
    subprocess.run(
        ["sqlite3", str(target)],
        input=f"ATTACH '{imported}' AS src; {stances} COMMIT;",
        text=True,
        check=True,
    )
    return {"insert_select_stances_s": time.perf_counter() - started}


def count(url: str, table: str) -> int:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        return int(sh(["sqlite3", path, f"SELECT count(*) FROM {table}"]).strip())
    return int(psql(url, "\\pset tuples_only on", f"SELECT count(*) FROM {table}").strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, required=True, help="NDJSON from bench/generate.py")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--again", action="store_true", help="also time a second import of the same file"
    )
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="w2-") as tmp:
        workdir = Path(tmp)
        for run in range(1, args.runs + 1):
            if args.db == "postgresql":
                url = fresh_pg("claimgraph_w2_import")
            else:
                url = fresh_sqlite(workdir / "import.db")
            load = Path("/proc/loadavg").read_text().split()[0]
            result: dict[str, Any] = {"run": run, "load_before": float(load)}
            result.update(timed_import(url, args.file))
            result["stances"] = count(url, "stances")
            result["rows"] = sum(count(url, t) for t in TABLES)
            if args.again:
                again = timed_import(url, args.file)
                result.update({f"again_{key}": value for key, value in again.items()})
                rows = sum(count(url, t) for t in TABLES)
                assert rows == result["rows"], f"the second import wrote rows: {rows}"
            if args.db == "postgresql":
                result.update(copy_baseline(dump(url, workdir), "claimgraph_w2_copy"))
                result["ratio_stances"] = result["copy_stances_s"] / result["wall_s"]
                result["ratio_all"] = result["copy_all_s"] / result["wall_s"]
                rest = result["copy_all_but_tallies_s"]
                result["ratio_all_but_tallies"] = rest / result["wall_s"]
            else:
                result.update(sqlite_baseline(workdir / "import.db", workdir))
                result["ratio_stances"] = result["insert_select_stances_s"] / result["wall_s"]
            result["stances_per_s"] = result["stances"] / result["wall_s"]
            results.append(result)
            print(json.dumps(result), flush=True)
        if args.db == "postgresql":
            psql(PG, 'DROP DATABASE IF EXISTS "claimgraph_w2_import" WITH (FORCE)')
            psql(PG, 'DROP DATABASE IF EXISTS "claimgraph_w2_copy" WITH (FORCE)')
    medians = {
        key: statistics.median(r[key] for r in results)
        for key in results[0]
        if isinstance(results[0][key], int | float) and key != "run"
    }
    print("median", json.dumps(medians))
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "median": medians}, indent=2))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
