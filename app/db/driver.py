"""Core SELECTs run on asyncpg itself, for the reads outside a transaction on PostgreSQL (GET
requests): each statement built once is compiled once, and its rows are asyncpg's records,
read by attribute and by position as SQLAlchemy's rows are.

SQLAlchemy's execution and result layers (the statement's cache key, the execution context,
the adapted cursor, a Row built per record, a processor per value) cost more than the
round trip of a page of rows. A statement runs here only where they would add nothing: every
column is one asyncpg already reads as SQLAlchemy would return it (no result processor, see
`app.models.base`), the connection reads outside a transaction (the engine says so with
`DRIVER_READS`) and nothing listens to its statements (`echo`, cursor events).
"""

import operator
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from app.db.availability import unavailable

# The execution option of an engine whose connections read outside a transaction, so that a
# statement sent on the driver runs as it would through SQLAlchemy (see create_engine).
DRIVER_READS = "claimgraph_driver_reads"

BindProcessor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """A SELECT compiled for asyncpg: its SQL, its bound parameters in position order (name,
    value when not given, processor) and the record class its rows are read with."""

    sql: str
    binds: tuple[tuple[str, object, BindProcessor | None], ...]
    record: type[asyncpg.Record]


# Statements built once for the life of the process (`keep`), and their plans (None: the
# statement runs through SQLAlchemy).
_KEPT: "weakref.WeakSet[Executable]" = weakref.WeakSet()
_PLANS: "weakref.WeakKeyDictionary[Executable, Plan | None]" = weakref.WeakKeyDictionary()
_REQUIRED = object()
_UNPLANNED = Plan("", (), asyncpg.Record)  # not yet planned


def keep(statement: object) -> None:
    """Let `statement`, built once for the life of the process, run on the driver."""
    if isinstance(statement, Executable):
        _KEPT.add(statement)


def _record_class(keys: Sequence[str]) -> type[asyncpg.Record]:
    """A record class whose columns are also attributes, as a SQLAlchemy row's are."""
    members: dict[str, object] = {k: property(operator.itemgetter(i)) for i, k in enumerate(keys)}
    members["__slots__"] = ()
    return type("DriverRecord", (asyncpg.Record,), members)


async def _plan(statement: Executable, dialect: Dialect, driver: asyncpg.Connection) -> Plan | None:
    """The statement's plan, or None when SQLAlchemy must run it: parameters expanded or
    rendered into the SQL, columns that share a name, or a column SQLAlchemy would convert."""
    compiled = cast(SQLCompiler, cast(ClauseElement, statement).compile(dialect=dialect))
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    binds = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        if bind.expanding or bind.callable is not None:
            return None
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append((name, _REQUIRED if bind.required else bind.value, process))
    columns = list(getattr(statement, "selected_columns", ()))
    keys = [column.key for column in columns]
    if not columns or len(set(keys)) != len(keys):
        return None
    sql = str(compiled)
    # The types of the columns as the server sends them, which some processors depend on.
    attributes = (await driver.prepare(sql)).get_attributes()
    if len(attributes) != len(columns):
        return None
    for column, attribute in zip(columns, attributes, strict=True):
        column_type = column.type.dialect_impl(dialect)
        if column_type.result_processor(dialect, attribute.type.oid) is not None:
            return None
    return Plan(sql, tuple(binds), _record_class(keys))


def _arguments(plan: Plan, params: Mapping[str, object]) -> list[object]:
    arguments = []
    for name, default, process in plan.binds:
        value = params.get(name, default)
        if value is _REQUIRED:
            raise KeyError(f"no value for the bound parameter {name!r}")
        arguments.append(value if process is None else process(value))
    return arguments


def _runs_here(connection: AsyncConnection) -> bool:
    sync = connection.sync_connection
    if sync is None or not sync.get_execution_options().get(DRIVER_READS):
        return False
    # Statements logged or listened to (query capture, tracing) run through SQLAlchemy,
    # which reports them.
    dispatch = sync.dispatch
    return not (sync.engine.echo or dispatch.before_cursor_execute or dispatch.after_cursor_execute)


async def driver_rows(
    connection: AsyncConnection, statement: Executable, params: Mapping[str, object]
) -> list[Any] | None:
    """The rows of `statement` read on asyncpg, or None when it must run through SQLAlchemy
    (it was not built once, or the connection or the statement does not allow it)."""
    if statement not in _KEPT or not _runs_here(connection):
        return None
    plan = _PLANS.get(statement, _UNPLANNED)
    if plan is None:
        return None
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        return None
    if plan is _UNPLANNED:
        plan = _PLANS[statement] = await _plan(statement, connection.dialect, driver)
        if plan is None:
            return None
    arguments = _arguments(plan, params)
    try:
        return cast(list[Any], await driver.fetch(plan.sql, *arguments, record_class=plan.record))
    except TimeoutError as exc:  # a command timeout: the server may no longer answer
        await connection.invalidate(exc)
        raise
    except Exception as exc:
        if unavailable(exc) == "statement-timeout":
            raise  # run again, it would wait as long
        # Anything else is run again through SQLAlchemy, which reports it as it reports any
        # statement's error: wrapped in its own exceptions, the pool's connections dropped
        # when the connection was lost.
        return None
