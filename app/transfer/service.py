"""Bulk import and export: the entry points the routes and the CLI share."""

import contextlib
from collections.abc import AsyncIterator, Iterator

import anyio.from_thread
import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import DomainError, FieldError, InvalidField
from app.formats import FORMATS, stix_to_records
from app.ingest.context import ERROR_CAP, Context
from app.models import Actor, Claim
from app.records import load
from app.transfer import ndjson
from app.transfer.export import Record, export_records
from app.transfer.importer import Line, run
from app.transfer.schemas import ImportReport, TypeCounts
from app.transfer.selection import ExportFilter
from app.transfer.specs import TYPES
from app.vocabulary import EntityType

CHUNK = 64 * 1024


class ImportRejected(DomainError, status=422, type="invalid-import", title="Invalid import"):
    """An import with invalid lines: nothing of it is written."""

    def __init__(self, ctx: Context) -> None:
        count = ctx.errors.count
        shown = len(ctx.errors.kept)
        more = f" (the first {shown} listed)" if count > shown else ""
        super().__init__(
            f"{count} invalid line{'s' if count != 1 else ''}{more}; nothing was imported",
            error_count=count,
        )
        self.errors = [
            FieldError(line=e.line, field=e.field, location="body", message=e.message, type=e.type)
            for e in ctx.errors.kept
        ]


def report(ctx: Context, records: int, *, dry_run: bool) -> ImportReport:
    counts = {EntityType(kind): TypeCounts(**ctx.counts[kind]) for kind in TYPES}
    return ImportReport(dry_run=dry_run, records=records, counts=counts)


async def import_records(
    session: AsyncSession, lines: AsyncIterator[Line], *, by: str | None, dry_run: bool = False
) -> ImportReport:
    """Import NDJSON lines (or decoded records) in the session's transaction: every line is
    checked; if any is invalid, ImportRejected lists them all (up to ERROR_CAP) and the caller
    rolls back; with `dry_run` everything is done and then rolled back here."""
    ctx, records = await run(session, lines, by=by)
    if ctx.errors.count:
        raise ImportRejected(ctx)
    if dry_run:
        await session.rollback()
    return report(ctx, records, dry_run=dry_run)


def stix_lines(body: bytes) -> AsyncIterator[Line]:
    """The records of a STIX 2.1 bundle, numbered in the order they are imported."""
    try:
        bundle = orjson.loads(body)
        records = list(stix_to_records(bundle))
    except orjson.JSONDecodeError as exc:
        raise InvalidField("body", f"malformed JSON: {exc}", type="json_invalid") from exc
    except ValueError as exc:
        raise InvalidField("body", str(exc), type="invalid-stix") from exc
    return ndjson.numbered(records)


async def check_filter(session: AsyncSession, flt: ExportFilter) -> None:
    """404 for a claim or actor the filter names that does not exist."""
    if flt.claim_id is not None:
        await load(session, Claim, flt.claim_id, "claim")
    if flt.actor_id is not None:
        await load(session, Actor, flt.actor_id, "actor")


async def _records(
    sessionmaker: async_sessionmaker[AsyncSession], flt: ExportFilter
) -> AsyncIterator[Record]:
    async with sessionmaker() as session:
        async for record in export_records(session, flt):
            yield record


async def _ndjson(records: AsyncIterator[Record]) -> AsyncIterator[bytes]:
    buffer = bytearray()
    async for record in records:
        buffer += ndjson.dumps(record)
        if len(buffer) >= CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _blocking(records: AsyncIterator[Record]) -> Iterator[Record]:
    """The records, for a format renderer running in a worker thread (the reads stay on the
    event loop)."""

    async def step() -> Record | None:
        try:
            return await anext(records)
        except StopAsyncIteration:
            return None

    done = False
    try:
        while (record := anyio.from_thread.run(step)) is not None:
            yield record
        done = True
    finally:
        if not done:  # abandoned (the client went away): release the reads' session now
            with contextlib.suppress(RuntimeError):
                anyio.from_thread.run(records.aclose)  # type: ignore[attr-defined]


def export_stream(
    sessionmaker: async_sessionmaker[AsyncSession], flt: ExportFilter, fmt: str
) -> tuple[str, AsyncIterator[bytes] | Iterator[bytes]]:
    """The export's media type and its body: NDJSON chunks (async), or a standard format's
    chunks (sync: its renderer runs in a worker thread; iterate it there)."""
    records = _records(sessionmaker, flt)
    if fmt == "ndjson":
        return ndjson.MEDIA_TYPE, _ndjson(records)

    def rendered() -> Iterator[bytes]:
        yield from FORMATS[fmt].render(_blocking(records))

    return FORMATS[fmt].media_type, rendered()


__all__ = ["ERROR_CAP", "ImportRejected", "export_stream", "import_records"]
