"""An SQLAlchemy dialect that reads SQLite in the event loop's own thread.

aiosqlite runs every call (execute, fetch, close) in a thread of its own and hands the result
back to the loop: two thread switches a call, several calls a statement. SQLite in WAL mode
answers a reader from its page cache in microseconds and never waits for a writer, so the
readers of this service call the standard library's `sqlite3` directly instead, through
SQLAlchemy's asyncio connector: each call is a coroutine that completes at once.

The writer uses it too. Its one connection is handed out in order by the engine's pool, and
each of its transactions starts with `BEGIN IMMEDIATE`, which takes the write lock at once;
in WAL mode nothing after that waits for another connection. The one wait left is for the
lock itself while a writer in another process (a second worker, `claimgraph import`) holds
it: SQLite's busy handler would sleep in the loop's thread, so the writer's connection has
no busy timeout, and its `BEGIN IMMEDIATE` is retried here with `asyncio.sleep` between
tries, until its `lock_wait` has passed (then the error goes up as SQLite raised it: 503).

A long statement (a large export page, a search or a recount over a million stances) does
hold the loop while SQLite works; that is the price of the embedded default, and PostgreSQL
has none of it.
"""

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import pool
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncAdapt_dbapi_module
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL

NAME = "sqlite.inline"
# What the pysqlite dialect reads off its DBAPI module.
MODULE_NAMES = (
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "sqlite_version",
    "sqlite_version_info",
    "PARSE_COLNAMES",
    "PARSE_DECLTYPES",
    "Binary",
)


BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
# Between tries for another process's write lock: short at first (a writer's transaction
# usually takes a few milliseconds), never long enough to fall far behind a released lock.
FIRST_RETRY, LAST_RETRY = 0.001, 0.025


def _locked(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


class _Cursor:
    """A `sqlite3` cursor whose calls are coroutines that complete at once (but for a
    `BEGIN IMMEDIATE` that waits its turn for the write lock, see the module's docstring)."""

    def __init__(self, cursor: sqlite3.Cursor, lock_wait: float = 0.0) -> None:
        self.cursor = cursor
        self.lock_wait = lock_wait

    async def __aenter__(self) -> "_Cursor":
        return self

    @property
    def description(self) -> Any:
        return self.cursor.description

    @property
    def rowcount(self) -> int:
        return self.cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self.cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self.cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self.cursor.arraysize = value

    async def execute(self, operation: str, parameters: Any = ()) -> None:
        if self.lock_wait and operation == BEGIN_IMMEDIATE:
            await self._begin_immediate()
        else:
            self.cursor.execute(operation, parameters)

    async def _begin_immediate(self) -> None:
        deadline = time.monotonic() + self.lock_wait
        pause = FIRST_RETRY
        while True:
            try:
                self.cursor.execute(BEGIN_IMMEDIATE)
                return
            except sqlite3.OperationalError as error:
                if not _locked(error) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, LAST_RETRY)

    async def executemany(self, operation: str, parameters: Sequence[Any]) -> None:
        self.cursor.executemany(operation, parameters)

    async def fetchone(self) -> Any:
        return self.cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self.cursor.fetchmany(size or self.cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self.cursor.fetchall()

    async def close(self) -> None:
        self.cursor.close()


class _Connection:
    """A `sqlite3` connection whose calls are coroutines that complete at once."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        # Seconds a `BEGIN IMMEDIATE` waits for another process's write lock (0: SQLite's
        # own busy timeout applies instead).
        self.lock_wait = 0.0

    def cursor(self) -> _Cursor:
        return _Cursor(self.connection.cursor(), self.lock_wait)

    async def commit(self) -> None:
        self.connection.commit()

    async def rollback(self) -> None:
        self.connection.rollback()

    async def close(self) -> None:
        self.connection.close()


class InlineConnection(AsyncAdapt_dbapi_connection):
    """What the dialect sees: SQLAlchemy's asyncio adapter around `_Connection`."""

    __slots__ = ()

    @property
    def sqlite(self) -> sqlite3.Connection:
        driver: _Connection = self.driver_connection
        return driver.connection

    @property
    def isolation_level(self) -> str | None:
        return self.sqlite.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None) -> None:
        self.sqlite.isolation_level = value

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.sqlite.create_function(*args, **kwargs)

    def wait_for_write_lock(self, seconds: float) -> None:
        """Make `BEGIN IMMEDIATE` wait up to `seconds` for the write lock, in the event loop
        (the connection's busy timeout must then be 0: see the module's docstring)."""
        driver: _Connection = self.driver_connection
        driver.lock_wait = seconds


class InlineModule(AsyncAdapt_dbapi_module):
    """The DBAPI module the dialect imports: `sqlite3`'s names, and connections made here."""

    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.paramstyle = "qmark"
        for name in MODULE_NAMES:
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:
        kwargs.pop("async_creator_fn", None)
        # Connections move between the pool's users, all on the loop's thread; the pool
        # never shares one between two at a time.
        kwargs["check_same_thread"] = False
        driver: Any = _Connection(sqlite3.connect(*args, **kwargs))  # the connector's protocol
        return InlineConnection(self, driver)


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """`sqlite+inline://`: pysqlite's SQL, asyncio's interface, no thread."""

    driver = "inline"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return InlineModule()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        file_db = url.database not in (None, "", ":memory:")
        return pool.AsyncAdaptedQueuePool if file_db else pool.StaticPool

    def get_driver_connection(self, connection: Any) -> Any:
        return connection.driver_connection


registry.register(NAME, __name__, "InlineSQLiteDialect")
