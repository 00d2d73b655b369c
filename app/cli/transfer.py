"""What `claimgraph import` and `claimgraph export` do: files in, files out, with progress."""

import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import IO

import anyio.to_thread
import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from app import migrate
from app.context import current_writer
from app.db.engines import create_sessionmaker
from app.errors import DomainError
from app.schemas import UTCDatetime
from app.transfer import ndjson, service
from app.transfer.schemas import ImportReport
from app.transfer.selection import ExportFilter
from app.transfer.specs import TYPES

READ_CHUNK = 1024 * 1024
_SINCE: TypeAdapter[datetime] = TypeAdapter(UTCDatetime)
ERRORS_SHOWN = 50


async def _chunks(file: IO[bytes], advance: Callable[[int], object]) -> AsyncIterator[bytes]:
    while chunk := file.read(READ_CHUNK):
        advance(len(chunk))
        yield chunk


def report_table(report: ImportReport) -> Table:
    title = (
        "dry run: nothing was written" if report.dry_run else f"{report.records} records imported"
    )
    table = Table("record", "created", "updated", "unchanged", title=title)
    for kind in TYPES:
        counts = report.counts[kind]  # type: ignore[index]
        table.add_row(kind, str(counts.created), str(counts.updated), str(counts.unchanged))
    return table


def errors_table(exc: DomainError) -> Table:
    errors = getattr(exc, "errors", None) or []
    table = Table("line", "field", "problem", title=exc.detail)
    for error in errors[:ERRORS_SHOWN]:
        table.add_row(str(error.line or ""), error.field, error.message)
    if len(errors) > ERRORS_SHOWN:
        table.caption = f"the first {ERRORS_SHOWN} shown"
    return table


def export_filter(
    claim_id: uuid.UUID | None, actor_id: uuid.UUID | None, since: str | None
) -> ExportFilter:
    """The export's filter from command-line values (BadParameter for a malformed time)."""
    try:
        at = _SINCE.validate_python(since) if since is not None else None
    except ValidationError as exc:
        raise typer.BadParameter("an ISO 8601 date or time", param_hint="--since") from exc
    return ExportFilter(claim_id=claim_id, actor_id=actor_id, since=at)


async def check_schema(engine: AsyncEngine, console: Console) -> bool:
    """Whether the database is at this version's schema; if not, says so (unwrapped, so the
    command it names stays whole to copy, however wide the terminal)."""
    try:
        await migrate.check_current(engine)
    except migrate.SchemaNotCurrent as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        return False
    return True


async def import_file(
    engine: AsyncEngine, path: Path, *, fmt: str, dry_run: bool, console: Console
) -> bool:
    """Import the file in one transaction; print the counts, or every error. True if it was
    accepted."""
    if not await check_schema(engine, console):
        return False
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        try:
            with path.open("rb") as file:
                if fmt == "stix":
                    lines = service.stix_lines(file.read())
                    report = await service.import_records(
                        session, lines, by=current_writer.get(), dry_run=dry_run
                    )
                else:
                    with Progress(
                        "[progress.description]{task.description}",
                        BarColumn(),
                        DownloadColumn(),
                        TransferSpeedColumn(),
                        TimeRemainingColumn(),
                        console=console,
                        transient=True,
                    ) as progress:
                        size = os.fstat(file.fileno()).st_size
                        task = progress.add_task(path.name, total=size)
                        chunks = _chunks(file, lambda n: progress.advance(task, n))
                        report = await service.import_records(
                            session,
                            ndjson.lines(chunks),
                            by=current_writer.get(),
                            dry_run=dry_run,
                        )
            await session.commit()
        except DomainError as exc:
            await session.rollback()
            console.print(errors_table(exc))
            return False
        except IntegrityError as exc:  # as the API's 409: another writer committed it first
            await session.rollback()
            console.print(
                "[red]Nothing was imported: another writer created one of these records "
                f"meanwhile ({escape(str(exc.orig))}). Run the import again.[/red]"
            )
            return False
    console.print(report_table(report))
    return True


async def export_file(
    engine: AsyncEngine, out: IO[bytes], flt: ExportFilter, *, fmt: str, console: Console
) -> bool:
    """Write the export to `out`. False (and a message) for an unknown claim or actor."""
    if not await check_schema(engine, console):
        return False
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        try:
            await service.check_filter(session, flt)
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/red]")
            return False
    _, body = service.export_stream(sessionmaker, flt, fmt)
    if hasattr(body, "__aiter__"):
        async for chunk in body:
            out.write(chunk)
    else:
        await anyio.to_thread.run_sync(lambda: [out.write(chunk) for chunk in body])
    out.flush()
    return True
