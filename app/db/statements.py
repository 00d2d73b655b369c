"""Running Core statements on the read paths: statements built once per combination of
their arguments, and their rows read without the ORM."""

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar, cast

from sqlalchemy import Select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

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
    The arguments must be hashable."""
    return cast(Callable[P, R], functools.cache(builder))


async def select_rows(
    session: AsyncSession, statement: Executable, params: Mapping[str, object] | None = None
) -> Sequence[SqlRow]:
    """The rows of a Core SELECT, run on the session's connection. `session.execute` would
    send a SELECT of mapped columns through the ORM's compile and loading layers, which load
    no object here."""
    connection = await session.connection()
    return (await connection.execute(statement, params)).all()
