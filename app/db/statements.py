"""Running Core statements on the read paths: statements built once per combination of
their arguments, and their rows read without the ORM."""

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar, cast

from sqlalchemy import Select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

from app.db import driver

P = ParamSpec("P")
R = TypeVar("R")
# A row of a Core SELECT, whatever its columns: SQLAlchemy types a row's columns, read by
# name (`row.id`) or unpacked, as Any. The read paths say what they read through Protocols
# of the columns they use (e.g. `app.claims.rows.ClaimRow`).
SqlRow = Row[*tuple[Any, ...]]
# A Core SELECT whose columns vary with its arguments (filters, sort orders, dialects).
Statement = Select[*tuple[object, ...]]


def built_once(builder: Callable[P, R]) -> Callable[P, R]:
    """A statement builder whose statements are built once per combination of arguments:
    building a joined SELECT and its cache key on every request cost more than running it.
    The arguments must be hashable. Its statements may run on the driver (`select_rows`)."""

    @functools.wraps(builder)
    def build(*args: P.args, **kwargs: P.kwargs) -> R:
        statement = builder(*args, **kwargs)
        driver.keep(statement)
        return statement

    return cast(Callable[P, R], functools.cache(build))


async def select_rows(
    session: AsyncSession, statement: Executable, params: Mapping[str, object] | None = None
) -> Sequence[SqlRow]:
    """The rows of a Core SELECT, run on the session's connection. `session.execute` would
    send a SELECT of mapped columns through the ORM's compile and loading layers, which load
    no object here. A statement built once, read outside a transaction on PostgreSQL, runs
    on asyncpg itself (`app.db.driver`): its rows are records, read by attribute and by
    position as SQLAlchemy's are."""
    connection = await session.connection()
    rows = await driver.driver_rows(connection, statement, params or {})
    if rows is not None:
        return rows
    return (await connection.execute(statement, params)).all()


async def insert_rows(
    connection: AsyncConnection, statement: Executable, rows: Sequence[Mapping[str, Any]]
) -> None:
    """One INSERT of these rows, if any: one row as the statement's parameters (an
    executemany of one costs more), several as an executemany."""
    if rows:
        await connection.execute(statement, rows[0] if len(rows) == 1 else list(rows))


@functools.cache
def _getter(fields: tuple[str, ...], names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    getter = operator.itemgetter(*(fields.index(name) for name in names))
    if len(names) == 1:
        return lambda row: (getter(row),)
    return getter


def columns_of(rows: Sequence[Any], names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A reader of these columns, by their place, for the rows of one statement (SQLAlchemy's
    rows or the driver's records, `select_rows`): a SQLAlchemy row looks an attribute up by
    its name on every access, where one call takes a row's items by place."""
    if not rows:
        return lambda row: ()
    first = rows[0]
    fields = first._fields if isinstance(first, Row) else tuple(first.keys())
    return _getter(tuple(fields), names)
