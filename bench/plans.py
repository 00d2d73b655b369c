"""Print the query plans of the main questions on a seeded database, as Markdown.

    python bench/plans.py [DATABASE_URL] [--claims N] [--stances-per-claim N] [--hot N]

Without a URL it uses a temporary SQLite file; with a PostgreSQL URL it creates a scratch
database on that server and drops it afterwards. The app runs in-process on the seeded data
(`tests/questions/plans.py`: skewed like real data, then ANALYZEd); every SELECT each endpoint
emits is captured and EXPLAINed (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN (FORMAT JSON)` on
PostgreSQL). docs/query-plans.md pastes this output.
"""

import argparse
import asyncio
import logging
import re
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from app.main import create_app
from app.settings import Settings
from tests.questions.plans import MAIN, QUESTIONS, Seeded, captured, explain, seed, touches


@asynccontextmanager
async def scratch_database(url: str | None) -> AsyncIterator[str]:
    """A new database to seed: a temporary SQLite file, or one on the PostgreSQL server."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/plans.db"
        return
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"claimgraph_plans_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


# The statements shown: those reading the big tables (lookups of single claims, actors or
# sources by primary key are left out).
SHOWN_TABLES = ("stances", "claim_stats", "citations")
UUID_LITERAL = re.compile(r"'[0-9a-f]{8}-[0-9a-f-]{27}'::uuid")
UUID_ARRAY = re.compile(r"'\{[0-9a-f,-]+\}'::uuid\[\]")


def redacted(line: str) -> str:
    """A plan line with its id literals shortened."""
    return UUID_ARRAY.sub("'{…}'::uuid[]", UUID_LITERAL.sub("'…'::uuid", line))


def shown(path: str, seeded: Seeded) -> str:
    """The endpoint with the seeded ids replaced by placeholders."""
    for name, ids in (("claim_id", seeded.claims), ("actor_id", seeded.actors)):
        for value in ids[:8]:
            path = path.replace(str(value), f"{{{name}}}")
    return path


async def main(url: str | None, claims: int, per_claim: int, hot: int) -> None:
    # The shape of bench/generate.py: an actor per 50 stances, a source per 5.
    actors, sources = max(200, claims * per_claim // 50), max(600, claims * per_claim // 5)
    async with scratch_database(url) as target:
        app = create_app(Settings(database_url=target))
        engine = app.state.engine
        await migrate.upgrade(engine)
        async with app.router.lifespan_context(app):
            seeded = await seed(
                engine,
                claims=claims,
                stances_per_claim=per_claim,
                actors=actors,
                sources=sources,
                hot=hot,
                warm=hot // 5,
            )
            stances = claims * per_claim + 2 * hot + 2 * (hot // 5)
            print(
                f"## {engine.dialect.name}: {stances} stances, {claims} claims, {actors} actors, "
                f"{sources} sources\n"
            )
            # GET requests read through the query engine where there is one (PostgreSQL).
            reader = getattr(app.state, "query_engine", engine)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://plans") as client:
                for name in MAIN:
                    path = QUESTIONS[name](seeded)
                    with captured(reader) as statements:
                        (await client.get(path)).raise_for_status()
                    print(f"### {name}: `GET {shown(path, seeded)}`\n")
                    for statement, parameters in statements:
                        if any(touches(statement, t) for t in SHOWN_TABLES):
                            plan = await explain(engine, statement, parameters)
                            lines = [redacted(line) for line in plan.lines]
                            print("```\n" + "\n".join(lines) + "\n```\n")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("url", nargs="?", default=None, help="a PostgreSQL server to use")
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--stances-per-claim", type=int, default=20)
    parser.add_argument("--hot", type=int, default=1500, help="extra stances of claim/actor 0")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the access log would interleave with the plans
    asyncio.run(main(args.url, args.claims, args.stances_per_claim, args.hot))
