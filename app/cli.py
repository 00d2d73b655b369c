"""The `claimgraph` command: serve, db upgrade/downgrade/current, demo load."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from app import migrate
from app.db import create_engine, create_sessionmaker, session_scope
from app.demo.loader import load_demo
from app.settings import get_settings

cli = typer.Typer(
    help="claimgraph: who asserted a claim, where, when, and who disputes it.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
demo_cli = typer.Typer(help="The worked example dataset.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(demo_cli, name="demo")
console = Console()
T = TypeVar("T")


def _with_engine(action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _load_demo(engine: AsyncEngine) -> None:
    try:
        await migrate.check_current(engine)
    except migrate.SchemaNotCurrent as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    sessionmaker = create_sessionmaker(engine)
    async for session in session_scope(sessionmaker):
        counts = await load_demo(session)
    table = Table("record", "created", "already present", title="worked example")
    for kind in ("actor", "affiliation", "source", "claim", "claim_relation", "stance"):
        table.add_row(kind, str(counts[f"{kind} created"]), str(counts[f"{kind} matched"]))
    console.print(table)


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database (DATABASE_URL) up to the latest schema."""
    _with_engine(lambda engine: migrate.upgrade(engine, revision))
    console.print(f"database at revision {_with_engine(migrate.current_revision)}")


@db_cli.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")],
) -> None:
    """Migrate the database down to REVISION (`base` empties it)."""
    _with_engine(lambda engine: migrate.downgrade(engine, revision))
    console.print(f"database at revision {_with_engine(migrate.current_revision) or 'base'}")


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision and the latest one; exit 1 if they differ."""
    current = _with_engine(migrate.current_revision)
    head = migrate.head_revision()
    console.print(f"database: {current or 'empty'}  latest: {head}")
    if current != head:
        console.print(f"[yellow]behind: {migrate.UPGRADE_HINT}[/yellow]")
        raise typer.Exit(1)


@demo_cli.command("load")
def demo_load() -> None:
    """Load the worked example (the North Korea / Russia / Ukraine article) into the database.
    Loading it again changes nothing."""
    _with_engine(_load_demo)


@cli.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Migrate and load the worked example first.")] = False,
    host: Annotated[str | None, typer.Option(help="Interface (default CLAIMGRAPH_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default CLAIMGRAPH_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (docs at /docs). The database must be migrated, or use --demo."""
    settings = get_settings()
    if demo:
        _with_engine(migrate.upgrade)
        _with_engine(_load_demo)
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(
        f"claimgraph on http://{bind_host}:{bind_port}/docs  (database: {settings.database_url})"
    )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level=settings.log_level,
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
