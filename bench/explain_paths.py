"""EXPLAIN ANALYZE what the app runs for some requests, on an existing PostgreSQL database.

    python bench/explain_paths.py postgresql://postgres@127.0.0.1:5432/sto_bench \\
        "/v1/claims?label=denied" "/v1/claims/{hot_claim}/stances?label=denied"

Checks the plans of docs/query-plans.md on a database as imported (`bench/generate.py`, say
a million stances), not the small seeded one of bench/plans.py: the app runs in-process on
the database, each request's statements reading `stances`, `changes`, `citations` or
`claim_side_actors` are captured and run again under `EXPLAIN (ANALYZE, FORMAT JSON)`, and
their plans printed with the time each took. Placeholders in the paths: {hot_claim} (the
claim with most stances), {hot_actor}, {claim}, {actor} (ones with a typical number),
{source} (the source with most stances), {stance} and {citing_source} (a source that cites
others).
"""

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.main import create_app
from app.settings import Settings
from tests.questions.plans import _pg_line, _pg_nodes, captured, touches

SHOWN_TABLES = ("stances", "changes", "citations", "claim_side_actors")
PLACES = {
    "hot_claim": "SELECT claim_id FROM claim_stats ORDER BY total DESC LIMIT 1",
    "hot_actor": "SELECT actor_id FROM stances GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    "claim": "SELECT claim_id FROM claim_stats WHERE total = 10 ORDER BY claim_id LIMIT 1",
    "actor": "SELECT actor_id FROM stances GROUP BY 1 HAVING count(*) = 50 ORDER BY 1 LIMIT 1",
    "source": "SELECT source_id FROM stances GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    "stance": "SELECT id FROM stances ORDER BY id LIMIT 1 OFFSET 500000",
    "citing_source": "SELECT source_id FROM citations ORDER BY source_id LIMIT 1",
}


async def main(url: str, paths: list[str]) -> None:
    app = create_app(Settings(database_url=url))
    engine = app.state.engine
    async with app.router.lifespan_context(app):
        async with engine.connect() as conn:
            places = {
                name: str((await conn.exec_driver_sql(sql)).scalar_one())
                for name, sql in PLACES.items()
            }
        reader = getattr(app.state, "query_engine", engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://explain") as client:
            for template in paths:
                path = template.format(**places)
                with captured(reader) as statements:
                    (await client.get(path)).raise_for_status()
                print(f"### `GET {template}`\n")
                for statement, parameters in statements:
                    if any(touches(statement, table) for table in SHOWN_TABLES):
                        await _explain(engine, statement, parameters)
    await engine.dispose()


async def _explain(engine: Any, statement: str, parameters: Any) -> None:
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
        )
        raw = result.scalar_one()
    tree = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    lines = []
    for depth, _, node in _pg_nodes(tree["Plan"]):
        rows = f" (rows={node.get('Actual Rows')}, loops={node.get('Actual Loops')})"
        lines.append("  " * depth + _pg_line(node) + rows)
    print("```\n" + "\n".join(lines) + f"\n```\n{tree['Execution Time']:.1f} ms\n")


if __name__ == "__main__":
    logging.disable(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="a PostgreSQL database URL, migrated to head")
    parser.add_argument("paths", nargs="+", help="GET paths, with placeholders")
    args = parser.parse_args()
    asyncio.run(main(args.url, args.paths))
