"""How the CLI meets its database: an engine per command, the schema made ready (an empty
database is initialised; one that is behind or ahead is refused), and every failure a user
can cause or a network can bring told in one line instead of a traceback."""

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app import migrate
from app.context import current_writer
from app.db.engines import create_engine, unavailable
from app.history import recorder
from app.http import heap
from app.settings import get_settings

T = TypeVar("T")
# Notices and errors go to stderr: stdout carries what a command produces (an export, a key).
notices = Console(stderr=True)
URL_FORMS = "sqlite:///path.db or postgresql://user@host:5432/db"
# SQLSTATE classes of a server that answered but refused: authorization (28), no such
# database (3D).
REFUSED_SQLSTATES = ("28", "3D")


class CliError(Exception):
    """An expected failure: the command prints its message (one line) and exits 1."""


def say(message: str) -> None:
    """One line on stderr, never wrapped (so a command it names stays whole to copy)."""
    notices.print(message, soft_wrap=True, markup=False, highlight=False)


def run(action: Callable[[AsyncEngine], Awaitable[T]], *, schema: bool = True) -> T:
    """Run `action` on an engine for DATABASE_URL. With `schema`, the database is first made
    ready (see `prepare`). Expected failures are raised as CliError."""

    async def main() -> T:
        # A bulk import allocates millions of short-lived objects: with the collector's
        # defaults, collections walking them again take a large share of its CPU.
        heap.settle(heap.BULK)
        recorder.install()
        current_writer.set(f"cli:{' '.join(sys.argv[1:3])}")
        settings = get_settings()
        url = settings.database_url
        try:
            engine = create_engine(url, pgbouncer=settings.db_pgbouncer)
        except (sa_exc.ArgumentError, ValueError) as exc:
            raise CliError(bad_url(exc)) from exc
        try:
            if schema:
                await prepare(engine)
            return await action(engine)
        except (CliError, migrate.SchemaNotCurrent):
            raise
        except Exception as exc:
            message = explain(exc, url)
            if message is None:
                raise
            raise CliError(message) from exc
        finally:
            await engine.dispose()

    return asyncio.run(main())


def bad_url(exc: sa_exc.ArgumentError | ValueError) -> str:
    """One line for a DATABASE_URL that names no database claimgraph can use."""
    reason = str(exc) if isinstance(exc, ValueError) else "not a database URL"
    return f"DATABASE_URL: {reason}, e.g. {URL_FORMS}"


async def _has_tables(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return bool(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def prepare(engine: AsyncEngine) -> None:
    """Make sure the database holds this version's schema: a database without tables is
    migrated to the latest revision (and a line says so); one that is behind or ahead, or
    holds other tables, raises SchemaNotCurrent naming what to do."""
    current, head = await migrate.current_revision(engine), migrate.head_revision()
    if current == head:
        return
    if current is not None:
        await migrate.check_current(engine)  # raises, naming the command that fixes it
        return
    if await _has_tables(engine):
        raise migrate.SchemaNotCurrent(
            "the database has tables but no claimgraph revision: it is not a claimgraph "
            "database (point DATABASE_URL at an empty or a claimgraph database)"
        )
    try:
        await migrate.upgrade(engine)
    except Exception:
        # Another command may have initialised it meanwhile; if so, there is nothing to do.
        if await migrate.current_revision(engine) != head:
            raise
        return
    say(f"the database was empty: created the claimgraph schema (revision {head})")


def _root(exc: BaseException) -> BaseException:
    seen = {id(exc)}
    while (inner := getattr(exc, "orig", None) or exc.__cause__ or exc.__context__) is not None:
        if id(inner) in seen:
            break
        seen.add(id(inner))
        exc = inner
    return exc


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def explain(exc: BaseException, url: str) -> str | None:
    """One line saying why the database could not be used, or None for an error that is not
    about reaching the database (a bug, to be shown in full)."""
    root = _root(exc)
    reason = " ".join(str(root).split()) or type(root).__name__
    sqlstate = getattr(root, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(REFUSED_SQLSTATES):
        return f"the database at {_shown(url)} refused the connection: {reason}"
    why = unavailable(exc)
    if why == "statement-timeout":
        return f"the database at {_shown(url)} took too long to answer; try again"
    if why is None:
        return None
    if make_url(url).get_backend_name() == "sqlite":
        return f"cannot open the database {make_url(url).database}: {reason}"
    return f"cannot reach the database at {_shown(url)}: {reason}"


def quiet_driver_threads(args: threading.ExceptHookArgs) -> None:
    """A threading.excepthook for the CLI. aiosqlite's worker thread reports a failed connect
    to the event loop after the fact, and finds it closed when the command has already ended
    with its one line; that late report is no news, and not worth a traceback."""
    if isinstance(args.exc_value, RuntimeError) and str(args.exc_value) == "Event loop is closed":
        return
    threading.__excepthook__(args)


def describe(exc: BaseException) -> str | None:
    """One line for an expected failure (a setting, a file, the database, for a command that
    met it without `run`), else None."""
    if isinstance(exc, CliError | migrate.SchemaNotCurrent):
        return str(exc)
    if isinstance(exc, sa_exc.ArgumentError) or (
        isinstance(exc, ValueError) and str(exc).startswith("unsupported database")
    ):
        return bad_url(exc)
    if isinstance(exc, ValidationError):
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            if not name.startswith(("DATABASE_", "CLAIMGRAPH_")):
                name = f"CLAIMGRAPH_{name}"  # the environment variable that set it
            problems.append(f"{name}: {error['msg']}")
        return "configuration: " + "; ".join(problems)
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    try:
        return explain(exc, get_settings().database_url)
    except Exception:  # the settings themselves: reported above, or not at all
        return None
