"""The `claimgraph` command: serve, db upgrade/downgrade/current, demo load, import, export,
suggest."""

import contextlib
import os
import sys
import threading
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app import migrate
from app.cli import transfer
from app.cli.database import CliError, describe, quiet_driver_threads, run, say
from app.cli.keys import keys_cli
from app.cli.suggest import suggest
from app.db.engines import create_sessionmaker, session_scope
from app.demo.loader import load_demo
from app.http import serving
from app.settings import get_settings

cli = typer.Typer(
    rich_markup_mode="markdown",
    help="claimgraph: who asserted a claim, where, when, and who disputes it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # a bug's traceback, if one comes, without secrets
)
db_cli = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
demo_cli = typer.Typer(help="The worked example dataset.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(demo_cli, name="demo")
cli.add_typer(keys_cli, name="keys")
cli.command("suggest")(suggest)
console = Console()


async def _load_demo(engine: AsyncEngine) -> None:
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
    run(lambda engine: migrate.upgrade(engine, revision), schema=False)
    console.print(f"database at revision {run(migrate.current_revision, schema=False)}")


@db_cli.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")],
) -> None:
    """Migrate the database down to REVISION (`base` empties it)."""
    run(lambda engine: migrate.downgrade(engine, revision), schema=False)
    revision = run(migrate.current_revision, schema=False) or "base"
    console.print(f"database at revision {revision}")


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision and the latest one; exit 1 if they differ."""
    current = run(migrate.current_revision, schema=False)
    head = migrate.head_revision()
    console.print(f"database: {current or 'empty'}  latest: {head}")
    if current != head:
        console.print(f"[yellow]behind: {migrate.UPGRADE_HINT}[/yellow]", soft_wrap=True)
        raise typer.Exit(1)


@demo_cli.command("load")
def demo_load() -> None:
    """Load the worked example (the North Korea / Russia / Ukraine article) into the database.
    Loading it again changes nothing."""
    run(_load_demo)


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
    accepted = run(
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

    async def export(engine: AsyncEngine) -> bool:
        if output is None:
            return await transfer.export_file(
                engine, sys.stdout.buffer, flt, fmt=format, console=errors
            )
        # Written aside and renamed when complete: a failed export leaves no file, not an
        # empty or a partial one.
        partial = output.with_name(f".{output.name}.partial")
        done = False
        try:
            with partial.open("wb") as out:
                done = await transfer.export_file(engine, out, flt, fmt=format, console=errors)
            if done:
                os.replace(partial, output)
        except OSError as exc:
            done = False
            raise CliError(f"cannot write {output}: {exc.strerror or exc}") from exc
        finally:
            if not done:
                with contextlib.suppress(OSError):
                    partial.unlink()
        return done

    if not run(export):
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
        run(migrate.upgrade, schema=False)
        run(_load_demo)
    else:
        run(_ready)  # an empty database is initialised here; one behind is refused
    bind_host, bind_port = host or settings.host, port or settings.port
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    console.print(f"claimgraph on http://{bind_host}:{bind_port}/docs  (database: {shown})")
    reads = "reads need a key" if settings.reads_require_key else "reads are open"
    console.print(f"{reads}; writes need a key: claimgraph keys create --name me")
    serving.serve(settings, host=bind_host, port=bind_port, workers=workers)


async def _ready(_engine: AsyncEngine) -> None:
    """Nothing more than `run` does first: the database reached and its schema ready."""


def main() -> None:
    """The `claimgraph` command. An expected failure (a setting, the database, a file) ends
    it with one line saying why and exit status 1, never a traceback."""
    threading.excepthook = quiet_driver_threads
    try:
        cli()
    except Exception as exc:
        message = describe(exc)
        if message is None:
            raise
        say(message)
        sys.exit(1)


if __name__ == "__main__":
    main()
