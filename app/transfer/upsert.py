"""What the record types' upserts share: finding rows by id, deciding match or create,
comparing a record with its row, and handing changes to the services."""

import enum
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.transfer.context import Context, as_uuid, chunks, new_hex
from app.transfer.records import Record


def plain(value: Any) -> Any:
    """Enum members as their values (the database's and the comparisons' form)."""
    return value.value if isinstance(value, enum.Enum) else value


async def existing_ids(ctx: Context, model: Any, hex_ids: Iterable[str]) -> dict[str, datetime]:
    """Of these ids, those the table holds, with their creation times."""
    found: dict[str, datetime] = {}
    wanted = sorted(set(hex_ids))
    if wanted:
        # An id given earlier in this file must be found: the rows held back are written first.
        await ctx.writer.drain()
    for part in chunks(wanted):
        rows = await ctx.session.execute(
            select(model.id, model.created_at).where(
                ctx.among(model.id, [as_uuid(i) for i in part])
            )
        )
        found.update((ident.hex, created_at) for ident, created_at in rows)
    return found


async def loaded(ctx: Context, model: Any, records: Iterable[Record]) -> dict[str, Any]:
    """The rows these matched records were matched to, as ORM objects fresh from the database,
    by their ids in hex (one statement per chunk of ids, not one per record)."""
    found: dict[str, Any] = {}
    for part in chunks(sorted({r.target for r in records if r.target})):
        found.update(
            (row.id.hex, row)
            for row in await ctx.session.scalars(
                select(model)
                .where(ctx.among(model.id, [as_uuid(i) for i in part]))
                .execution_options(populate_existing=True)
            )
        )
    return found


class Decider:
    """Decides, record by record, whether a record matches an existing row or is new, and
    which id a new one gets; notes what the batch created so later lines match it.

    On PostgreSQL a batch's new rows are held back and written while the next batch is
    prepared, after that batch's reads: its lookups cannot see them. So the natural keys a
    record type's batch created are kept (in `ctx.held`) until its next batch has matched
    against them; older batches' rows are written before any read of the next batch runs.
    """

    def __init__(self, ctx: Context, by_id: dict[str, datetime], kind: str = "") -> None:
        self.ctx = ctx
        self.by_id = by_id
        self.created: dict[Any, str] = {}  # natural key -> id, for records new in this batch
        self.given: dict[str, int] = {}  # explicit ids of new records -> line
        self._held = ctx.held.get(kind, {}) if kind else {}
        if kind:
            ctx.held[kind] = self.created

    def created_id(self, key: Any) -> str | None:
        """The id of the record this batch or (its rows perhaps unwritten) the type's previous
        batch created with this natural key."""
        return self.created.get(key) or self._held.get(key)

    def by_given_id(self, record: Record) -> str | None:
        """The row the record's explicit id names, if it exists (and is not from this file)."""
        if record.id is None:
            return None
        hex_id = record.id.hex
        created_at = self.by_id.get(hex_id)
        if created_at is None:
            return None
        if self.ctx.created_here(created_at):
            self.ctx.fail(
                record, "id", "is the id of a record given earlier in this file", "duplicate-id"
            )
        return hex_id

    def new_id(self, record: Record) -> str | None:
        """The id for a new record: its explicit id (unless taken in this batch) or a new one."""
        if record.id is None:
            return new_hex()
        hex_id = record.id.hex
        if hex_id in self.given:
            line = self.given[hex_id]
            self.ctx.fail(record, "id", f"is also the id of line {line}", "duplicate-id")
            return None
        self.given[hex_id] = record.line
        return hex_id


async def before_updates(ctx: Context, kind: str) -> None:
    """Write every row held back before matched records are updated: a match may be one of
    them, and the services read and write. The type's held keys are then in the database,
    where an update may change them: they are dropped."""
    await ctx.writer.drain()
    ctx.held.pop(kind, None)


def changes(record: Record, fields: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    """The fields (given on the line) whose new value differs from the stored one;
    `fields` maps a field to (new value, stored value)."""
    return {
        name: new for name, (new, old) in fields.items() if name in record.present and new != old
    }


async def settle(
    ctx: Context,
    record: Record,
    changed: dict[str, Any],
    update: Callable[[dict[str, Any]], Awaitable[Any]],
) -> None:
    """Count the matched record unchanged, or update it through its service."""
    if not changed:
        ctx.count(record, "unchanged")
        return
    await ctx.apply(record, lambda: update(changed))


__all__ = [
    "Decider",
    "before_updates",
    "changes",
    "existing_ids",
    "loaded",
    "new_hex",
    "plain",
    "settle",
]
