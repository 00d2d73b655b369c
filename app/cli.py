"""The `claimgraph` command: serve, db upgrade/downgrade/current, demo load, import, export,
suggest."""

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import heap, migrate
from app.auth import keys
from app.db import create_engine, create_sessionmaker, session_scope
from app.demo.loader import load_demo
from app.errors import NotFound
from app.history import recorder
from app.history.recorder import current_writer
from app.settings import get_settings
from app.suggestions.cli import suggest
from app.transfer import commands as transfer

cli = typer.Typer(
    rich_markup_mode="markdown",
    help="claimgraph: who asserted a claim, where, when, and who disputes it.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
demo_cli = typer.Typer(help="The worked example dataset.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(demo_cli, name="demo")
keys_cli = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
cli.command("suggest")(suggest)
console = Console()
T = TypeVar("T")


def _with_engine(action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def run() -> T:
        # A bulk import allocates millions of short-lived objects: with the collector's
        # defaults its full collections took 3 s of a 100k-stance import's 14 s of CPU.
        heap.settle(heap.BULK_YOUNG_THRESHOLD)
        recorder.install()
        current_writer.set(f"cli:{' '.join(sys.argv[1:3])}")
        settings = get_settings()
        engine = create_engine(settings.database_url, pgbouncer=settings.db_pgbouncer)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _load_demo(engine: AsyncEngine) -> None:
    if not await transfer.check_schema(engine, console):
        raise typer.Exit(1)
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
        console.print(f"[yellow]behind: {migrate.UPGRADE_HINT}[/yellow]", soft_wrap=True)
        raise typer.Exit(1)


async def _keys(engine: AsyncEngine, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async for session in session_scope(create_sessionmaker(engine)):
        result = await action(session)
    return result


def _keys_table(rows: list[keys.KeyOut]) -> Table:
    table = Table("prefix", "name", "scope", "created", "expires", "revoked")
    for row in rows:
        table.add_row(
            row.prefix,
            row.name,
            row.scope.value,
            f"{row.created_at:%Y-%m-%d %H:%M}",
            f"{row.expires_at:%Y-%m-%d}" if row.expires_at else "never",
            f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
        )
    return table


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. ingest-bot.")],
    scope: Annotated[keys.Scope, typer.Option(help="read, write or admin.")] = keys.Scope.write,
    expires_in_days: Annotated[
        int | None, typer.Option(help="Days until the key stops working (default: never).")
    ] = None,
) -> None:
    """Make an API key and print it once: only its hash is stored."""
    expires = timedelta(days=expires_in_days) if expires_in_days else None
    new = _with_engine(
        lambda engine: _keys(
            engine, lambda s: keys.create_key(s, name=name, scope=scope, expires_in=expires)
        )
    )
    console.print(_keys_table([new]))
    console.print("key (shown once, store it now):")
    print(new.key)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys by prefix, scope and state (never the keys themselves)."""
    listed, _ = _with_engine(lambda engine: _keys(engine, keys.list_keys))
    console.print(_keys_table(listed))


@keys_cli.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's prefix (cg_…) or id.")],
) -> None:
    """Revoke a key; it stops working at once."""
    try:
        row = _with_engine(lambda engine: _keys(engine, lambda s: keys.revoke_key(s, key)))
    except NotFound as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from exc
    console.print(_keys_table([row]))


@demo_cli.command("load")
def demo_load() -> None:
    """Load the worked example (the North Korea / Russia / Ukraine article) into the database.
    Loading it again changes nothing."""
    _with_engine(_load_demo)


@cli.command("import")
def import_records(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="NDJSON (or a STIX bundle).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count everything, write nothing.")
    ] = False,
    format: Annotated[str, typer.Option(help="ndjson, or stix for a STIX 2.1 bundle.")] = "ndjson",
) -> None:
    """Import FILE in one transaction: every record, or (if any line is invalid) none, with
    each error listed by line. Records matching existing ones by natural key are updated, so
    importing a file twice changes nothing the second time."""
    if format not in ("ndjson", "stix"):
        raise typer.BadParameter("ndjson or stix", param_hint="--format")
    accepted = _with_engine(
        lambda engine: transfer.import_file(
            engine, file, fmt=format, dry_run=dry_run, console=console
        )
    )
    if not accepted:
        raise typer.Exit(1)


@cli.command("export")
def export_records(
    format: Annotated[
        str, typer.Option(help="ndjson (re-importable), claimreview, prov or stix.")
    ] = "ndjson",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    claim_id: Annotated[
        uuid.UUID | None, typer.Option(help="Only this claim, its stances and what they cite.")
    ] = None,
    actor_id: Annotated[
        uuid.UUID | None, typer.Option(help="Only this actor's stances and what they cite.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only records changed since this ISO 8601 time.")
    ] = None,
) -> None:
    """Export the records (or a filtered, self-contained subset) in dependency order."""
    if format not in ("ndjson", "claimreview", "prov", "stix"):
        raise typer.BadParameter("ndjson, claimreview, prov or stix", param_hint="--format")
    flt = transfer.export_filter(claim_id, actor_id, since)
    errors = Console(stderr=True)
    with output.open("wb") if output else nullcontext(sys.stdout.buffer) as out:
        done = _with_engine(
            lambda engine: transfer.export_file(engine, out, flt, fmt=format, console=errors)
        )
    if not done:
        raise typer.Exit(1)


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
    console.print("reads are open; writes need a key: claimgraph keys create --name me")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,  # the app logs each request itself, as JSON with its request id
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
