"""Test fixtures: a real database per backend, migrated by Alembic, and the real ASGI app.

Backends: SQLite (a file) always; PostgreSQL when CLAIMGRAPH_TEST_DATABASE_URL names a server
(e.g. postgresql://postgres@127.0.0.1:5432/test). Each run creates a fresh PostgreSQL database
and drops it afterwards. CLAIMGRAPH_TEST_BACKENDS=sqlite|postgresql picks one backend.
"""

import os
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from _pytest.mark.expression import Expression
from fastapi import FastAPI
from hypothesis import is_hypothesis_test
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import migrate
from app.auth import keys
from app.db.engines import create_sessionmaker
from app.db.sqlite import InlineConnection
from app.demo.loader import Loader, demo_lines
from app.main import create_app
from app.models import Base
from app.settings import Settings

PG_VAR = "CLAIMGRAPH_TEST_DATABASE_URL"
ALL_BACKENDS = ("sqlite", "postgresql")
# Set (to 1) for a run that another run of the suite accompanies, as CI runs one per database:
# this run leaves out the tests that use no database, which the other run has.
DATABASE_ONLY_VAR = "CLAIMGRAPH_TEST_DATABASE_ONLY"


def _uses_a_database(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "backend" in callspec.params


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Property tests (hypothesis, schemathesis) are fuzzing: each runs its examples' budget,
    so they are `slow` wherever they are written. With CLAIMGRAPH_TEST_DATABASE_ONLY set, the
    tests that use no database (formats, URLs, docs, packaging) are deselected."""
    for item in items:
        if is_hypothesis_test(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.slow)
    if os.environ.get(DATABASE_ONLY_VAR):
        left_out = [item for item in items if not _uses_a_database(item)]
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if _uses_a_database(item)]


SLOW_MODULE = re.compile(r"^pytestmark = pytest\.mark\.slow$", re.MULTILINE)


def _leaves_out_slow(config: pytest.Config) -> bool:
    """Whether the run's `-m` expression deselects every test marked `slow`, whatever other
    marks it has."""
    expression = config.getoption("markexpr")
    if not expression:
        return False
    compiled = Expression.compile(expression)

    def slow_only(name: str, /, **_: object) -> bool:
        return name == "slow"

    def every_mark(_name: str, /, **_: object) -> bool:
        return True

    return not (compiled.evaluate(slow_only) or compiled.evaluate(every_mark))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A module marked `slow` as a whole is not even imported when slow tests are left out
    (`-m "not slow"`): importing and collecting some costs more than their tests do in the
    fast run (the contract fuzzing builds a test for every operation)."""
    if not (collection_path.name.startswith("test_") and collection_path.suffix == ".py"):
        return None
    if _leaves_out_slow(config) and SLOW_MODULE.search(collection_path.read_text()):
        return True
    return None


def _backends() -> list[str]:
    chosen = os.environ.get("CLAIMGRAPH_TEST_BACKENDS", ",".join(ALL_BACKENDS))
    names = [b.strip() for b in chosen.split(",") if b.strip()]
    unknown = set(names) - set(ALL_BACKENDS)
    if unknown:
        raise pytest.UsageError(f"CLAIMGRAPH_TEST_BACKENDS: unknown backend(s) {sorted(unknown)}")
    return names


def _pg_admin_url() -> str | None:
    return os.environ.get(PG_VAR) or None


async def _pg_admin(sql: str) -> None:
    admin = make_url(_pg_admin_url() or "").set(drivername="postgresql")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_database(backend: str, tmp_dir: Path) -> AsyncIterator[str]:
    """A new, empty database of this backend; its URL. Dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'claimgraph-{uuid.uuid4().hex[:8]}.db'}"
        return
    url = _pg_admin_url()
    if url is None:
        message = f"PostgreSQL tests need {PG_VAR}=postgresql://user@host:port/db"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must not skip them)")
        pytest.skip(message)
    name = f"claimgraph_test_{uuid.uuid4().hex[:12]}"
    try:
        await _pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:  # configured but unreachable: a failure
        pytest.fail(f"{PG_VAR} is set but PostgreSQL is not usable: {exc!r}")
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend this run of the suite talks to."""
    return str(request.param)


@pytest.fixture(scope="session")
async def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    async with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


@pytest.fixture
def new_database(backend: str, tmp_path: Path) -> Callable[[], AbstractAsyncContextManager[str]]:
    """Make another empty database of the current backend (for migration and restart tests)."""
    return lambda: fresh_database(backend, tmp_path)


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """The real app on a database migrated to head by Alembic."""
    application = create_app(Settings(database_url=database_url))
    await migrate.upgrade(application.state.engine)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> AsyncEngine:
    return app.state.engine  # type: ignore[no-any-return]


def client_for(
    app: FastAPI, key: str | None = None, *, timeout: float = 30, **headers: str
) -> httpx.AsyncClient:
    """An HTTP client talking to `app` in-process, carrying `key` when given."""
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(
        transport=transport, base_url="http://test", timeout=timeout, headers=headers
    )


async def new_key(
    sessionmaker: async_sessionmaker[AsyncSession],
    scope: keys.Scope = keys.Scope.admin,
    name: str = "tests",
    **options: Any,
) -> str:
    """A new API key of `scope`, made in the database directly; its secret."""
    async with sessionmaker() as session:
        made = await keys.create_key(session, name=name, scope=scope, **options)
        await session.commit()
    return made.key


@pytest.fixture(scope="session")
async def admin_key(app: FastAPI) -> str:
    """An admin API key, made once per run (kept when tables are emptied)."""
    return await new_key(app.state.sessionmaker)


KEPT_TABLES = frozenset({"api_keys", "service_secrets"})
# The tables a test's data lives in, parents before children.
DATA_TABLES = [t for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]


async def _empty_all_tables(engine: AsyncEngine) -> None:
    if engine.dialect.name == "sqlite":
        await _empty_sqlite(engine)
        return
    async with engine.begin() as conn:
        for table in reversed(DATA_TABLES):
            await conn.execute(delete(table))


async def _empty_sqlite(engine: AsyncEngine) -> None:
    """Every data table emptied in one script. The full-text indexes go first, whole, which
    costs less than their delete triggers' row by row. Foreign keys are off meanwhile (each
    deleted parent row would search its children), as no row is left for a key to point
    at."""
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).dbapi_connection
        assert isinstance(raw, InlineConnection)  # the writer runs SQLite in the loop's thread
        database = raw.sqlite
        indexes = [
            name
            for (name,) in database.execute(
                "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
            )
        ]
        names = [*indexes, *(table.name for table in reversed(DATA_TABLES))]
        deletes = "".join(f"DELETE FROM {name};" for name in names)
        try:
            database.executescript(f"PRAGMA foreign_keys=OFF;BEGIN IMMEDIATE;{deletes}COMMIT;")
        finally:
            database.execute("PRAGMA foreign_keys=ON")


@pytest.fixture
async def client(
    app: FastAPI, engine: AsyncEngine, admin_key: str
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process with an admin key; the database is
    emptied after each test."""
    async with client_for(app, admin_key) as http:
        yield http
    await _empty_all_tables(engine)


@pytest.fixture
async def anonymous(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client without a key (the database is emptied by `client`)."""
    async with client_for(app) as http:
        yield http


# The worked example as loaded once per database: its record keys' ids, and every data row.
DemoSnapshot = tuple[dict[str, uuid.UUID], dict[str, list[dict[str, Any]]]]
_demo_snapshots: dict[str, DemoSnapshot] = {}


async def _table_rows(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    async with engine.connect() as conn:
        return {
            table.name: [dict(row) for row in (await conn.execute(select(table))).mappings()]
            for table in DATA_TABLES
        }


@pytest.fixture
async def demo(
    client: httpx.AsyncClient, engine: AsyncEngine, database_url: str
) -> dict[str, uuid.UUID]:
    """The worked example loaded; maps its record keys (e.g. `kremlin`) to ids.

    The loader runs once per database; later tests get the same rows inserted as they were
    (the search indexes follow by their triggers), a tenth of the time."""
    snapshot = _demo_snapshots.get(database_url)
    if snapshot is not None:
        ids, rows = snapshot
        async with engine.begin() as conn:
            for table in DATA_TABLES:
                if rows[table.name]:
                    await conn.execute(insert(table), rows[table.name])
        return dict(ids)
    empty = not any((await _table_rows(engine)).values())
    async with create_sessionmaker(engine)() as session:
        loader = Loader(session, by="demo")
        await loader.load(demo_lines())
        await session.commit()
    if empty:  # rows made by the test before it asked for the example are not part of it
        _demo_snapshots[database_url] = (dict(loader.ids), await _table_rows(engine))
    return loader.ids


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert `response` is an RFC 9457 problem with this status; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["title"]
    return body


async def kept_as_referenced(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    """Assert DELETE `path` is refused as still referenced and the record is kept; return the
    problem's body."""
    body = problem(await client.delete(path), 409)
    assert body["type"] == "/problems/still-referenced"
    assert (await client.get(path)).status_code == 200
    return body


def field_errors(body: dict[str, Any]) -> set[str]:
    """The fields a 422 problem names."""
    return {e["field"] for e in body.get("errors", [])}
