"""Writing many rows at once: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples of plain values in the order of the given columns: ids as 32 hex digits,
timestamps as aware UTC datetimes. Both write inside the session's transaction.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import DateTime, TypeDecorator

SQLITE_CACHE_KIB = 32 * 1024
PG_TIMEOUT = "15min"


def sqlite_time(value: datetime) -> str:
    """A timestamp as the ORM stores it in SQLite: naive UTC, microseconds always written."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
    )


def _impl(column_type: Any) -> Any:
    return column_type.impl if isinstance(column_type, TypeDecorator) else column_type


class BulkWriter:
    """Inserts rows into one table at a time through the session's own connection."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self.session = session
        self.dialect = dialect
        self._times: dict[tuple[str, tuple[str, ...]], list[int]] = {}

    @classmethod
    async def open(cls, session: AsyncSession) -> "BulkWriter":
        """A writer on the session's connection (its transaction begun). On SQLite the
        connection's page cache is enlarged while it writes (indexes of a large table then
        stay in memory instead of being read back from the file for each row); on
        PostgreSQL the transaction's statements may run up to PG_TIMEOUT."""
        connection = await session.connection()
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        else:
            # A request's statement timeout guards interactive reads; one COPY of a batch, or
            # the final recount of a large import, may rightly take longer.
            await connection.exec_driver_sql(f"SET LOCAL statement_timeout = '{PG_TIMEOUT}'")
        return cls(session, connection.dialect.name)

    async def close(self) -> None:
        """Give the connection back as it was."""
        if self.dialect == "sqlite":
            connection = await self.session.connection()
            await connection.exec_driver_sql("PRAGMA cache_size = -2000")

    def _time_columns(self, table: Table, columns: Sequence[str]) -> list[int]:
        """Positions of the timestamp columns (SQLite stores them as text)."""
        cache_key = (table.name, tuple(columns))
        if cache_key not in self._times:
            self._times[cache_key] = [
                i
                for i, name in enumerate(columns)
                if isinstance(_impl(table.c[name].type), DateTime)
            ]
        return self._times[cache_key]

    async def insert(
        self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert the rows (values in `columns` order)."""
        if not rows:
            return
        connection = await self.session.connection()
        if self.dialect == "postgresql":
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))
            return
        times = self._time_columns(table, columns)
        if times:
            encoded = []
            for row in rows:
                values = list(row)
                for i in times:
                    if values[i] is not None:
                        values[i] = sqlite_time(values[i])
                encoded.append(tuple(values))
            rows = encoded
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
        await connection.exec_driver_sql(sql, rows)
