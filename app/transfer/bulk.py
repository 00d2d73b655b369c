"""Writing many rows at once: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples of plain values in the order of the given columns: ids as 32 hex digits,
timestamps as aware UTC datetimes. Both write inside the session's transaction.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import DateTime, TypeDecorator


class BulkWriter:
    """Inserts rows into one table at a time through the session's own connection."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self.session = session
        self.dialect = dialect
        self._encoders: dict[tuple[str, tuple[str, ...]], list[Callable[[Any], Any] | None]] = {}

    @classmethod
    async def open(cls, session: AsyncSession) -> "BulkWriter":
        """A writer on the session's connection (its transaction begun)."""
        connection = await session.connection()
        return cls(session, connection.dialect.name)

    def _sqlite_encoders(
        self, table: Table, columns: Sequence[str]
    ) -> list[Callable[[Any], Any] | None]:
        # Timestamps go through the column type's own processor, so they are stored exactly as
        # the ORM stores them (and compare equal in SQL); ids are already hex, as SQLite keeps
        # them.
        cache_key = (table.name, tuple(columns))
        if cache_key not in self._encoders:
            dialect = self.session.get_bind().dialect
            encoders: list[Callable[[Any], Any] | None] = []
            for name in columns:
                column_type = table.c[name].type
                impl = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
                if isinstance(impl, DateTime):
                    encoders.append(column_type.bind_processor(dialect))
                else:
                    encoders.append(None)
            self._encoders[cache_key] = encoders
        return self._encoders[cache_key]

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
        encoders = self._sqlite_encoders(table, columns)
        if any(encoders):
            pairs = list(enumerate(encoders))
            rows = [
                tuple(
                    value if encode is None or value is None else encode(value)
                    for (_, encode), value in zip(pairs, row, strict=True)
                )
                for row in rows
            ]
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
        await connection.exec_driver_sql(sql, rows)
