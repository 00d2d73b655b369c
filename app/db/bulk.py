"""Writing many rows at once: COPY on PostgreSQL, executemany on SQLite.

A row is a tuple of values with its columns named beside it: ids as UUIDs or 32 hex digits,
timestamps as aware UTC datetimes. Both write inside the session's transaction.

On SQLite, a table with triggers (the full-text indexes of claims and stances) is written
through a temporary staging table: FTS5 writes its pending terms out at the end of every
statement, so rows inserted one statement each would each leave a segment to be merged,
where one `INSERT … SELECT` per batch leaves one.

On PostgreSQL, a batch's rows can be deferred: they are held until `start()` (or `drain()`)
COPYs them, so that one COPY carries a table's rows from several calls. The importer calls
`start()` after the next batch's reads, which therefore do not see the held rows (its lookups
match the held natural keys instead, see `app.ingest.upsert.Decider`), and `drain()` before a
read or an update that needs them. `start()` sends them from a task of their own while its
caller builds the next rows; the connection takes one statement at a time, so whatever runs
on it next first waits for them (`settle()`).
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table, Uuid
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import DateTime, TypeDecorator

from app.models import Base

SQLITE_CACHE_KIB = 32 * 1024
PG_TIMEOUT = "15min"
# The tables whose rows the import looks up by natural key or id (PostgreSQL). Rows written
# in the import's own transaction are not in the planner's statistics, so as a table grows
# from few rows its lookups are planned for the small table, scanning all of it where the
# index would read a few pages, and the scans grow with the table. Each is analyzed whenever
# it has doubled (after at least ANALYZE_MIN_ROWS new rows), which counts the transaction's
# own rows. ANALYZE's lock keeps other ANALYZE and VACUUM runs off these tables until the
# import ends; readers and writers are not held.
LOOKED_UP = frozenset(
    {"actors", "actor_external_ids", "affiliations", "sources", "citations", "claims"}
)
ANALYZE_MIN_ROWS = 10_000


Values = Sequence[object]  # a row's values, in the order of the columns named beside them
Held = tuple[str, list[str], Sequence[Values]]  # a table's name, columns and rows

log = logging.getLogger("claimgraph.import")


def sqlite_time(value: datetime) -> str:
    """A timestamp as the ORM stores it in SQLite: naive UTC, microseconds always written."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
    )


async def _copy_rows(driver: Any, name: str, columns: list[str], rows: Sequence[Values]) -> None:
    try:
        await driver.copy_records_to_table(name, records=rows, columns=columns)
    except asyncpg.IntegrityConstraintViolationError as exc:
        # As SQLAlchemy raises it for any other statement: a row that a concurrent writer
        # committed first is a conflict to retry (409), not a fault.
        raise IntegrityError(f"COPY {name}", None, exc) from exc


def _impl(column_type: Any) -> Any:
    return column_type.impl if isinstance(column_type, TypeDecorator) else column_type


class BulkWriter:
    """Inserts rows into one table at a time through the session's own connection."""

    def __init__(
        self, session: AsyncSession, dialect: str, triggered: frozenset[str] = frozenset()
    ) -> None:
        self.session = session
        self.dialect = dialect
        self.triggered = triggered  # SQLite: the tables with triggers
        self._times: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        self._uuids: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        self._staging: dict[tuple[str, tuple[str, ...]], str] = {}  # their staging tables
        self._deferred: list[Held] = []
        self._flight: asyncio.Task[None] | None = None  # rows being written (PostgreSQL)
        self._analyzed: dict[str, float] = {}  # rows at the last ANALYZE, by table
        self._grown: dict[str, int] = {}  # rows written since then

    @classmethod
    async def open(cls, session: AsyncSession) -> "BulkWriter":
        """A writer on the session's connection (its transaction begun). On SQLite the
        connection's page cache is enlarged while it writes (indexes of a large table then
        stay in memory instead of being read back from the file for each row); on
        PostgreSQL the transaction's statements may run up to PG_TIMEOUT."""
        connection = await session.connection()
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            triggers = await connection.exec_driver_sql(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'"
            )
            return cls(session, "sqlite", frozenset(name for (name,) in triggers))
        # A request's statement timeout guards interactive reads; one COPY of a batch, or the
        # final recount of a large import, may rightly take longer.
        await connection.exec_driver_sql(f"SET LOCAL statement_timeout = '{PG_TIMEOUT}'")
        # The import's reads probe unique keys in pages it has just written, all in shared
        # buffers: a random read costs what a sequential one does, and a parallel scan's
        # workers would take the cores the import itself needs.
        await connection.exec_driver_sql("SET LOCAL random_page_cost = 1.1")
        await connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        return cls(session, connection.dialect.name)

    async def close(self) -> None:
        """Give the connection back as it was; rows still held are dropped with the
        transaction that is being abandoned (and rows in flight are waited for: the
        connection takes no other statement meanwhile)."""
        self._deferred.clear()
        with contextlib.suppress(Exception):  # a failed COPY: the import reports its failure
            await self.settle()
        await self.shrink_cache()
        if self._staging:
            connection = await self.session.connection()
            for name in self._staging.values():
                await connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
            self._staging.clear()

    async def shrink_cache(self) -> None:
        """Back to SQLite's default page cache (2 MB), the pages beyond it freed. SQLite lets
        a sort hold as much memory as the page cache may, so a recount after the rows are
        written would otherwise add up to SQLITE_CACHE_KIB more at the peak."""
        if self.dialect == "sqlite":
            connection = await self.session.connection()
            await connection.exec_driver_sql("PRAGMA cache_size = -2000")

    def _converted_columns(
        self, table: Table, columns: Sequence[str]
    ) -> tuple[list[int], list[int]]:
        """Positions of the timestamp columns (SQLite stores them as text) and of the UUID
        columns (stored as 32 hex digits)."""
        cache_key = (table.name, tuple(columns))
        if cache_key not in self._times:
            types = [_impl(table.c[name].type) for name in columns]
            self._times[cache_key] = [i for i, t in enumerate(types) if isinstance(t, DateTime)]
            self._uuids[cache_key] = [i for i, t in enumerate(types) if isinstance(t, Uuid)]
        return self._times[cache_key], self._uuids[cache_key]

    async def insert_values(
        self,
        model: type[Base],
        columns: Sequence[str],
        rows: Sequence[Values],
        *,
        defer: bool = False,
    ) -> None:
        """Insert rows given as values in the order of `columns`. With `defer` (PostgreSQL),
        hold them for the next `start()`: the caller vouches that no read before it needs
        them."""
        if not rows:
            return
        table = model.__table__
        assert isinstance(table, Table)
        if self.dialect == "postgresql":
            if defer:
                self._deferred.append((table.name, list(columns), rows))
                return
            await self.drain()  # rows keep their order across tables
            connection = await self.session.connection()
            raw = await connection.get_raw_connection()
            await _copy_rows(raw.driver_connection, table.name, list(columns), rows)
            if table.name in LOOKED_UP:
                await self._keep_statistics(raw.driver_connection, table.name, len(rows))
            return
        connection = await self.session.connection()
        times, uuids = self._converted_columns(table, columns)
        params: Sequence[Values] = rows
        if times or uuids:
            encoded = []
            # A batch's rows share a few times (its clock, their sources' dates): each is
            # written out once.
            texts: dict[datetime, str] = {}
            for row in rows:
                values: list[Any] = list(row)
                for i in times:
                    value = values[i]
                    if value is not None:
                        text = texts.get(value)
                        if text is None:
                            text = texts[value] = sqlite_time(value)
                        values[i] = text
                for i in uuids:
                    if isinstance(values[i], uuid.UUID):
                        values[i] = values[i].hex
                encoded.append(tuple(values))
            params = encoded
        names = ", ".join(columns)
        placeholders = ", ".join("?" for _ in columns)
        if table.name not in self.triggered:
            sql = f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})"
            await connection.exec_driver_sql(sql, params)
            return
        stage = self._staging.get((table.name, tuple(columns)))
        if stage is None:
            stage = f"stage_{table.name}_{len(self._staging)}"
            await connection.exec_driver_sql(
                f"CREATE TEMP TABLE {stage} AS SELECT {names} FROM main.{table.name} WHERE 0"
            )
            self._staging[(table.name, tuple(columns))] = stage
        sql = f"INSERT INTO temp.{stage} ({names}) VALUES ({placeholders})"
        await connection.exec_driver_sql(sql, params)
        await connection.exec_driver_sql(
            f"INSERT INTO main.{table.name} ({names}) SELECT {names} FROM temp.{stage}"
        )
        await connection.exec_driver_sql(f"DELETE FROM temp.{stage}")

    async def _keep_statistics(self, driver: Any, name: str, written: int) -> None:
        """ANALYZE the table once it has doubled since it was last analyzed."""
        if name not in self._analyzed:
            known = await driver.fetchval(
                "SELECT reltuples FROM pg_class WHERE oid = $1::regclass", name
            )
            self._analyzed[name] = max(0.0, float(known or 0))  # -1: never analyzed
        grown = self._grown.get(name, 0) + written
        if grown >= max(ANALYZE_MIN_ROWS, self._analyzed[name]):
            await driver.execute(f"ANALYZE {name}")
            self._analyzed[name] += grown
            grown = 0
        self._grown[name] = grown

    async def start(self) -> None:
        """Send the deferred rows (PostgreSQL), one COPY a table and batch, in the background:
        the server writes them while the caller goes on with work of its own (a batch's rows
        placed and built), and `settle()`s before the connection's next statement."""
        await self.settle()
        if not self._deferred:
            return
        batches, self._deferred = self._deferred, []
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        self._flight = asyncio.create_task(self._copy(raw.driver_connection, batches))
        await asyncio.sleep(0)  # the COPY's rows go out now, not at the caller's next wait

    async def _copy(self, driver: Any, batches: list[Held]) -> None:
        for name, columns, rows in batches:
            await _copy_rows(driver, name, columns, rows)
            if name in LOOKED_UP:
                await self._keep_statistics(driver, name, len(rows))

    async def settle(self) -> None:
        """Wait for the rows in flight, if any (raising what their COPY raised): the
        connection takes one statement at a time."""
        flight, self._flight = self._flight, None
        if flight is not None:
            await flight

    def held_tables(self) -> set[str]:
        """The tables whose rows are held back, not yet written."""
        return {name for name, _, _ in self._deferred}

    async def drain(self) -> None:
        """Write every deferred row now (before a read that may need them, or the commit)."""
        await self.start()
        await self.settle()
