"""Engine, sessions, and the URL rules that pick an async driver for each database."""

import time
from collections.abc import AsyncIterator, Callable

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolProxiedConnection

from app.db import sqlite  # also registers the sqlite+inline dialect
from app.db.availability import unavailable
from app.db.driver import DRIVER_READS

__all__ = ["async_url", "create_engine", "create_sessionmaker", "session_scope", "unavailable"]

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str | URL) -> URL:
    """The URL with its async driver: `postgresql://` → asyncpg, `sqlite://` → aiosqlite."""
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend not in ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=ASYNC_DRIVERS[backend])


def _sqlite_pragmas(
    busy_timeout_ms: int, *, writer: bool
) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # SQLite leaves foreign keys off unless asked on every connection; WAL lets readers
        # proceed while a writer commits. The wait for the lock of a writer in another
        # process (SQLite's one wait that can hang a request) is bounded: a writer waits in
        # the event loop (app/db/sqlite.py), so its busy handler is off. The driver's own
        # transaction handling is off: the engine's "begin" listener says how each
        # transaction starts.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={0 if writer else int(busy_timeout_ms)}")
        cursor.close()
        dbapi_connection.isolation_level = None
        if writer and isinstance(dbapi_connection, sqlite.InlineConnection):
            dbapi_connection.wait_for_write_lock(busy_timeout_ms / 1000)

    return on_connect


def _sqlite_engine(
    target: URL,
    *,
    echo: bool,
    pool_size: int,
    writer: bool,
    autocommit: bool,
    busy_timeout_ms: int,
) -> AsyncEngine:
    """SQLite has one writer at a time. A writing engine keeps one connection, and callers
    queue for it in order (the pool's queue) instead of sleeping in SQLite's busy handler,
    which keeps no order; its transactions take the write lock when they begin (`BEGIN
    IMMEDIATE`), so what they read stays true until they commit. Reading engines keep a pool
    of connections; an autocommit one runs each statement on its own snapshot with no BEGIN
    or COMMIT. Both run SQLite in the event loop's thread (`app.db.sqlite`)."""
    if writer:
        options: dict[str, object] = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 10}
        begin: str | None = "BEGIN IMMEDIATE"
    else:
        options = {"pool_size": max(pool_size, 1), "max_overflow": 0, "pool_timeout": 10}
        begin = None if autocommit else "BEGIN"
    target = target.set(drivername="sqlite+inline")  # see app/db/sqlite.py
    if target.database in (None, "", ":memory:"):
        options = {}  # one in-memory database: one connection, shared (StaticPool)
    engine = create_async_engine(target, echo=echo, **options)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms, writer=writer))

    def start(connection: Connection) -> None:
        if begin is not None:
            connection.exec_driver_sql(begin)

    event.listen(engine.sync_engine, "begin", start)
    return engine


def create_engine(
    url: str | URL,
    *,
    pool_size: int = 20,
    echo: bool = False,
    statement_timeout_ms: int | None = None,
    command_timeout: float | None = None,
    connect_timeout: float = 5.0,
    pool_timeout: float = 5.0,
    autocommit: bool = False,
    ping_after_idle: float = 5.0,
    writer: bool = True,
    pgbouncer: bool = False,
) -> AsyncEngine:
    """An async engine for `url`: SQLite with foreign keys enforced, WAL on, and a writer's
    wait for a lock bounded by `statement_timeout_ms` (5 s without); PostgreSQL with bounded
    waits (connecting, checking out a connection, each statement on the server, and, with
    `command_timeout`, any answer at all), so a database that is away or has stopped
    answering makes requests fail fast instead of hang. `pool_size=0` keeps no connection
    open between uses (for PgBouncer, which pools them itself).

    `autocommit=True` (PostgreSQL) is for requests that only read. It runs each statement on
    its own: under READ COMMITTED every statement takes its own snapshot even inside a
    transaction, so such a request sees the same rows without the `BEGIN` and `COMMIT` round
    trips. Its pool checks a connection only when it has been idle `ping_after_idle`
    seconds: the check is a round trip, and a busy pool's connections were in use moments
    ago. A connection that died since its last use fails its request (503, retry); the pool
    then drops every connection opened before the failure.

    On SQLite `writer=False` makes an engine that only reads (see `_sqlite_engine`).

    `pgbouncer=True` (PostgreSQL) is for a URL that leads to PgBouncer in transaction pooling
    mode without prepared-statement support (before 1.21): see `PGBOUNCER_CONNECT_ARGS`."""
    target = async_url(url)
    pool: dict[str, object] = {"poolclass": NullPool} if pool_size == 0 else {}
    if target.get_backend_name() == "sqlite":
        return _sqlite_engine(
            target,
            echo=echo,
            pool_size=pool_size,
            writer=writer and not autocommit,
            autocommit=autocommit,
            busy_timeout_ms=statement_timeout_ms or 5000,
        )
    server_settings = {"application_name": "claimgraph"}
    if statement_timeout_ms and not pgbouncer:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    connect_args: dict[str, object] = {
        "timeout": connect_timeout,
        "server_settings": server_settings,
    }
    if pgbouncer:
        connect_args.update(PGBOUNCER_CONNECT_ARGS)
    options: dict[str, object] = pool or {
        "pool_size": pool_size,
        "max_overflow": pool_size,
        "pool_timeout": pool_timeout,
    }
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
        if not pgbouncer:
            # Its statements may run on asyncpg itself (app/db/driver.py): outside a
            # transaction, as SQLAlchemy would run them. Not behind PgBouncer, which needs
            # each statement sent as `PGBOUNCER_CONNECT_ARGS` sends it.
            options["execution_options"] = {DRIVER_READS: True}
    if command_timeout:
        # asyncpg's default for every operation on the connection: statements, BEGIN and
        # COMMIT, and the pool's ping. A server that stops answering is noticed after it.
        connect_args["command_timeout"] = command_timeout
    engine = create_async_engine(
        target,
        echo=echo,
        pool_pre_ping=not autocommit,
        connect_args=connect_args,
        **options,
    )
    if autocommit:
        _ping_when_idle(engine, ping_after_idle)
    event.listen(engine.sync_engine, "invalidate", _drop_at_once)
    return engine


def _drop_at_once(
    _dbapi_connection: DBAPIConnection | None,
    record: ConnectionPoolEntry,
    _exc: BaseException | None,
) -> None:
    """Close a connection the pool gives up on without a goodbye. SQLAlchemy would close it
    gracefully first, waiting up to 2 s on a server that may be the one not answering
    (after a command timeout, that wait is what made a frozen database's 503 late)."""
    driver = record.driver_connection
    if driver is not None:
        driver.terminate()


def _unnamed() -> str:
    return ""


# PgBouncer in transaction pooling mode gives each transaction (or each statement run on its
# own) whichever server connection is free, and before 1.21 it does not carry prepared
# statements across them: a statement prepared by name on one server connection is unknown on
# the next ("prepared statement ... does not exist"), and a name already used there collides.
# So no statement stays prepared: asyncpg's statement cache and SQLAlchemy's are off, and each
# statement is parsed as the unnamed statement and run at once (asyncpg sends the parse and
# the execution without a Sync between them, so PgBouncer keeps them on one server
# connection). PgBouncer also refuses startup parameters it does not track, such as
# `statement_timeout`: it is not sent; set it on the database role instead.
PGBOUNCER_CONNECT_ARGS: dict[str, object] = {
    "statement_cache_size": 0,
    "prepared_statement_cache_size": 0,
    "prepared_statement_name_func": _unnamed,
}


def _ping_when_idle(engine: AsyncEngine, seconds: float) -> None:
    """Check a pooled connection at checkout only if it has been idle for `seconds`; a dead
    one is replaced (the pool retries the checkout with a new connection)."""

    def checkin(_dbapi_connection: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(
        dbapi_connection: DBAPIConnection,
        record: ConnectionPoolEntry,
        _proxy: PoolProxiedConnection,
    ) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < seconds:
            return
        try:
            dbapi_connection.ping()
        except TimeoutError:
            raise  # not answering: a new connection would wait as long, so no retry here
        except Exception as exc:
            raise sa_exc.DisconnectionError("connection lost while idle") from exc

    event.listen(engine.sync_engine, "checkin", checkin)
    event.listen(engine.sync_engine, "checkout", checkout)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (services return plain data)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit if the body succeeds, roll back if it raises."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
