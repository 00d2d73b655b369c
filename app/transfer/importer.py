"""The import pipeline: lines are parsed and checked while the previous batch is written.

One task reads and validates lines (pure Python); the other resolves refs, matches natural
keys and writes each batch of records, type by type in dependency order, inside the caller's
transaction. While the database works on one batch, the next one is being parsed.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.bulk import BulkWriter
from app.history.changelog import ChangeLog
from app.ingest.context import Context, as_uuid
from app.ingest.keyindex import Target
from app.ingest.records import AnyRecord, LineError
from app.sources.origins import refresh_origins_since
from app.tallies import stats
from app.transfer.lines import parse
from app.transfer.refs import Batch, resolve
from app.transfer.specs import REFERABLE, SPECS, TYPES

# Records per batch, and batches parsed ahead of the writer: small enough, with one batch
# ahead, to keep a large import's peak memory under its 300 MB target; larger batches gain
# little, since the database writes each batch while the next is built.
BATCH_RECORDS = 2500
BATCH_BYTES = 16 * 1024 * 1024
# Lines parsed between chances for the writer to resume: its statement's result waits until
# the parser yields, and the database idles meanwhile. Yielding every few lines bounds that
# wait to a few lines' parsing, even among sources with long texts; a yield costs little.
YIELD_EVERY = 20
# Raw input: a line's bytes, or a record already decoded (from a standard format).
Line = tuple[int, bytes | dict[str, object]]
Item = AnyRecord | list[LineError]

# On PostgreSQL a batch's rows are held back and written while the next batch is prepared. The
# first phase's types read only their own tables (and match the keys held back, see
# `app.ingest.upsert.Decider`); the stances read the sources' texts. So a change of phase
# writes the other phase's held rows first. (`changes`, the history, goes with every type.)
STANCE_TABLES = frozenset({"stances", "changes"})


def read(line: int, raw: bytes | dict[str, object]) -> Item:
    """One input line parsed and checked."""
    if isinstance(raw, dict):
        return parse(line, raw)
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return [LineError(line, "", f"malformed JSON: {exc}", "json_invalid")]
    return parse(line, obj)


class Importer:
    """Writes batches of parsed records; keeps what later batches need to know."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.lines = 0

    async def process(self, items: list[Item]) -> None:
        """Check keys, resolve refs and write one batch."""
        ctx, batch = self.ctx, Batch()
        records: list[AnyRecord] = []
        for item in items:
            self.lines += 1
            if isinstance(item, list):
                ctx.errors.extend(item)
                continue
            first = batch.by_key.get(item.key)
            if first is not None:
                message = f"duplicate key {item.key!r}: already the key of line {first.line}"
                ctx.fail(item, "key", message, "duplicate-key")
                continue
            batch.by_key[item.key] = item
            records.append(item)
        repeated = ctx.index.add_keys([(r.key, r.line) for r in records])
        for record in records:
            if record.line in repeated:
                message = (
                    f"duplicate key {record.key!r}: already the key of line {repeated[record.line]}"
                )
                ctx.fail(record, "key", message, "duplicate-key")
                del batch.by_key[record.key]
        by_type: dict[str, list[AnyRecord]] = {t: [] for t in TYPES}
        for record in records:
            if record.line not in repeated:
                by_type[record.type].append(record)
        for kind in TYPES:
            group = by_type[kind]
            if not group:
                continue
            await ctx.writer.settle()  # the rows in flight: this type reads first
            held = ctx.writer.held_tables()
            if (held - STANCE_TABLES) if kind == "stance" else ("stances" in held):
                # Another phase's rows held back are written first: a record type's reads
                # (and the services' updates) see every other type's rows of the file so far.
                await ctx.writer.drain()
            await resolve(ctx, batch, [r for r in group if not r.failed])
            await SPECS[kind].upsert(ctx, group)
            for record in group:
                if record.target is not None and not record.failed:
                    batch.line_of_id[record.target] = record.line
        ctx.index.add_targets(
            [
                (
                    record.key,
                    Target(
                        type=record.type,
                        id=record.target or "0",
                        line=record.line,
                        created=record.outcome == "created",
                        has_text=record.has_text,
                        published_at=record.published_at,
                        failed=record.failed or record.target is None,
                    ),
                )
                for record in records
                if record.type in REFERABLE and record.line not in repeated
            ]
        )

    async def finish(self) -> None:
        """Recount the counters of every claim whose stances changed (once, at the end: a
        popular claim recounted per batch would cost its stances once per batch), and the
        origins of the sources whose citations were created (created at the import's time)."""
        await stats.recount_bulk(self.ctx.session, [as_uuid(c) for c in self.ctx.touched_claims])
        if self.ctx.counts["citation"]["created"]:
            await refresh_origins_since(self.ctx.session, self.ctx.now)


async def _produce(lines: AsyncIterator[Line], queue: "asyncio.Queue[list[Item] | None]") -> None:
    batch: list[Item] = []
    size = 0
    async for number, raw in lines:
        batch.append(read(number, raw))
        size += len(raw) if isinstance(raw, bytes) else 256
        if len(batch) >= BATCH_RECORDS or size >= BATCH_BYTES:
            await queue.put(batch)
            batch, size = [], 0
        elif len(batch) % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let the writer resume when its database call returns
    if batch:
        await queue.put(batch)


async def run(
    session: AsyncSession, lines: AsyncIterator[Line], *, by: str | None
) -> tuple[Context, int]:
    """Import every line into the session's transaction (not committed here); returns the
    import's context (its errors and counts) and the number of lines read."""
    writer = await BulkWriter.open(session)
    now = datetime.now(UTC)
    ctx = Context(session=session, writer=writer, changes=ChangeLog(writer, now), by=by, now=now)
    importer = Importer(ctx)
    queue: asyncio.Queue[list[Item] | None] = asyncio.Queue(maxsize=1)

    async def produce() -> None:
        try:
            await _produce(lines, queue)
        finally:
            await queue.put(None)

    producer = asyncio.create_task(produce())
    try:
        while (items := await queue.get()) is not None:
            await importer.process(items)
        await producer
        await writer.drain()
        # The keys are no longer needed, nor a large page cache: both give their memory back
        # before the recount and the origins, whose reads would otherwise add to them at the
        # peak.
        ctx.index.close()
        await writer.shrink_cache()
        if not ctx.errors.count:
            await importer.finish()
    finally:
        if not producer.done():
            producer.cancel()
        ctx.index.close()
        with contextlib.suppress(Exception):  # a failed transaction may refuse it; harmless
            await writer.close()
    return ctx, importer.lines
