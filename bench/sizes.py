"""Storage: each table's size and its indexes', and the database's, on PostgreSQL.

    python bench/sizes.py postgresql://postgres@127.0.0.1:5432/sto_bench
    python bench/sizes.py postgresql://postgres@127.0.0.1:5432/sto_bench --vacuum --indexes

The figures of the "storage at 1M stances" row of BENCHMARKS.md: `--vacuum` runs
`VACUUM FULL ANALYZE` first (what the row is measured after: the import leaves dead rows and
half-filled pages behind), `--indexes` lists every index's size too. Sizes in MB (2^20 bytes).
"""

import argparse
import subprocess
import sys

TABLES = """
SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid)
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = 'public'
ORDER BY pg_total_relation_size(c.oid) DESC
"""
INDEXES = """
SELECT t.relname, i.relname, pg_relation_size(i.oid)
FROM pg_index AS x
JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS t ON t.oid = x.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
ORDER BY pg_relation_size(i.oid) DESC
"""
MB = 1024 * 1024


def query(url: str, sql: str) -> list[list[str]]:
    done = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(done.stderr)
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="a PostgreSQL database URL")
    parser.add_argument("--vacuum", action="store_true", help="VACUUM FULL ANALYZE first")
    parser.add_argument("--indexes", action="store_true", help="list each index's size")
    args = parser.parse_args()
    if args.vacuum:
        query(args.url, "VACUUM FULL ANALYZE")
    total_table = total_index = 0
    print(f"{'table':<28}{'table MB':>10}{'indexes MB':>12}")
    for name, table, indexes in query(args.url, TABLES):
        total_table += int(table)
        total_index += int(indexes)
        print(f"{name:<28}{int(table) / MB:>10.0f}{int(indexes) / MB:>12.0f}")
    print(f"{'(all tables)':<28}{total_table / MB:>10.0f}{total_index / MB:>12.0f}")
    (size,) = query(args.url, "SELECT pg_database_size(current_database())")[0]
    print(f"database: {int(size) / MB:.0f} MB ({int(size) / 1e9:.2f} GB)")
    if args.indexes:
        print()
        for table, index, index_size in query(args.url, INDEXES):
            print(f"{table:<22}{index:<48}{int(index_size) / MB:>8.1f}")


if __name__ == "__main__":
    main()
