"""What the record types' upserts share: finding rows by id, deciding match or create,
comparing a record with its row, and handing changes to the services."""

import enum
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select

from app.db.lookup import chunks
from app.ingest.context import Context, as_uuid, new_hex
from app.ingest.records import AnyRecord, HexId
from app.models import Base
from app.models.base import IdMixin

Model = TypeVar("Model", bound=IdMixin)
R = TypeVar("R", bound=AnyRecord)
Changed = dict[str, object]  # a field's new value, by field (as on the line)


def plain_str(value: enum.Enum | str) -> str:
    """An enum member's value (or the value as given)."""
    return str(value.value) if isinstance(value, enum.Enum) else value


async def existing_ids(
    ctx: Context, model: type[Base], hex_ids: Iterable[HexId]
) -> dict[HexId, datetime]:
    """Of these ids, those the table holds, with their creation times."""
    found: dict[HexId, datetime] = {}
    wanted = sorted(set(hex_ids))
    if wanted:
        # An id given earlier in this file must be found: the rows held back are written first.
        await ctx.writer.drain()
    table = model.__table__
    for part in chunks(wanted):
        rows = await ctx.session.execute(
            select(table.c.id, table.c.created_at).where(
                ctx.among(table.c.id, [as_uuid(i) for i in part])
            )
        )
        found.update((ident.hex, created_at) for ident, created_at in rows)
    return found


async def given_ids(
    ctx: Context, model: type[Base], records: Iterable[AnyRecord]
) -> dict[HexId, datetime]:
    """`existing_ids` of the ids these records give."""
    return await existing_ids(ctx, model, [r.id.hex for r in records if r.id])


async def loaded(
    ctx: Context, model: type[Model], records: Iterable[AnyRecord]
) -> dict[HexId, Model]:
    """The rows these matched records were matched to, as ORM objects fresh from the database,
    by their ids in hex (one statement per chunk of ids, not one per record)."""
    found: dict[HexId, Model] = {}
    id_column = model.id
    for part in chunks(sorted({r.target for r in records if r.target})):
        for row in await ctx.session.scalars(
            select(model)
            .where(ctx.among(id_column, [as_uuid(i) for i in part]))
            .execution_options(populate_existing=True)
        ):
            found[row.id.hex] = row
    return found


class Decider:
    """Decides, record by record, whether a record matches an existing row or is new, and
    which id a new one gets; notes what the batch created so later lines match it.

    On PostgreSQL a batch's new rows are held back and written while the next batch is
    prepared, after that batch's reads: its lookups cannot see them. So the natural keys a
    record type's batch created are kept (in `ctx.held`) until its next batch has matched
    against them; older batches' rows are written before any read of the next batch runs.
    """

    def __init__(self, ctx: Context, by_id: dict[HexId, datetime], kind: str = "") -> None:
        self.ctx = ctx
        self.by_id = by_id
        self.created: dict[Hashable, HexId] = {}  # natural key -> id, for records new here
        self.given: dict[HexId, int] = {}  # explicit ids of new records -> line
        self._held = ctx.held.get(kind, {}) if kind else {}
        if kind:
            ctx.held[kind] = self.created

    def created_id(self, key: Hashable) -> HexId | None:
        """The id of the record this batch or (its rows perhaps unwritten) the type's previous
        batch created with this natural key."""
        return self.created.get(key) or self._held.get(key)

    def by_given_id(self, record: AnyRecord) -> HexId | None:
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

    def new_id(self, record: AnyRecord) -> HexId | None:
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

    def place(self, record: R, found: HexId | None, matched: list[R]) -> HexId | None:
        """Match the record to the row its natural key `found` (else its explicit id) names,
        adding it to `matched`; or count it created, returning its new id. None when it is
        matched, or refused (its line then has the error)."""
        target = found or self.by_given_id(record)
        if record.failed:
            return None
        if target is not None:
            record.target = target
            matched.append(record)
            return None
        new_id = self.new_id(record)
        if new_id is not None:
            record.target = new_id
            self.ctx.count(record, "created")
        return new_id


async def before_updates(ctx: Context, kind: str) -> None:
    """Write every row held back before matched records are updated: a match may be one of
    them, and the services read and write. The type's held keys are then in the database,
    where an update may change them: they are dropped."""
    await ctx.writer.drain()
    ctx.held.pop(kind, None)


def changes(record: AnyRecord, fields: Mapping[str, tuple[object, object]]) -> Changed:
    """The fields (given on the line) whose new value differs from the stored one;
    `fields` maps a field to (new value, stored value)."""
    return {
        name: new for name, (new, old) in fields.items() if name in record.present and new != old
    }


async def settle(
    ctx: Context,
    record: AnyRecord,
    changed: Changed,
    update: Callable[[Changed], Awaitable[object]],
) -> None:
    """Count the matched record unchanged, or update it through its service."""
    if not changed:
        ctx.count(record, "unchanged")
        return
    await ctx.apply(record, lambda: update(changed))


__all__ = [
    "Changed",
    "Decider",
    "before_updates",
    "changes",
    "existing_ids",
    "given_ids",
    "loaded",
    "new_hex",
    "plain_str",
    "settle",
]
