"""Importing stances: each batch created by the stances' own `create_stances`, its records
matched by (claim, actor, source, label, quote) against stances recorded before this import.

The API refuses a second stance with the same claim, actor, source, label and quote, and so
does the import: a record matches a stance that existed before the import began (one equal to
it if there is one, else the one with its id, else the oldest), and a record repeating the
natural key of a stance an earlier line created is refused with its line. A stance on a
claim, actor or source this import created cannot have existed before, and skips the lookup.
"""

import uuid
from functools import lru_cache

from sqlalchemy import select

from app.errors import InvalidField
from app.ingest.context import Context, as_uuid
from app.ingest.records import NOTHING, Derived, Record, RefField, Spec, renamed
from app.ingest.upsert import Changed, Decider, given_ids, settle
from app.models import Stance
from app.stances import rules
from app.stances import service as stances
from app.stances.schemas import StanceCreate, StanceUpdate
from app.stances.writes import NewStance, StanceValues, create_stances, natural_key

StanceRecord = Record[StanceCreate]
REFS = (
    RefField("claim", "claim", "claim_id"),
    RefField("actor", "actor", "actor_id"),
    RefField("source", "source", "source_id"),
    RefField("retraction_source", "source", "retraction_source_id", required=False),
)
RENAMED = renamed(REFS)
# The fields a match compares, by their name on a line: those an update may change, but the
# natural key's (equal in a match by natural key; compared too in a match by id).
KEYED = frozenset({"label", "quote"})
UPDATABLE = {
    RENAMED.get(name, name): name
    for name in StanceUpdate.model_fields
    if name in Stance.__table__.c
}
COMPARED = {line: name for line, name in UPDATABLE.items() if name not in KEYED}
# Refs' ids as UUIDs: a batch's stances name the same claims, actors and sources many times.
_as_uuid = lru_cache(maxsize=1 << 16)(as_uuid)


def _new(record: StanceRecord, texts: dict[str, str]) -> NewStance:
    """The record as a new stance: its refs' ids in place, its source's date and text."""
    refs = record.one
    source, retraction = refs["source"], refs.get("retraction_source")
    ids: dict[str, uuid.UUID | None] = {
        "claim_id": _as_uuid(refs["claim"].id),
        "actor_id": _as_uuid(refs["actor"].id),
        "source_id": _as_uuid(source.id),
        "retraction_source_id": _as_uuid(retraction.id) if retraction is not None else None,
    }
    quoted = record.data.quote is not None and source.has_text
    return NewStance(
        record.data.model_copy(update=ids),
        published_at=source.published_at,
        text=texts[source.id] if quoted else None,
        fresh=refs["claim"].created or refs["actor"].created or source.created,
    )


def _changed(record: StanceRecord, new: StanceValues, old: StanceValues, *, by_id: bool) -> Changed:
    """The fields the line gives whose values differ from the stored stance's, by field name
    (a quote as the line gives it, to be found in the source again)."""
    compared = UPDATABLE if by_id else COMPARED
    changed: Changed = {
        name: record.data.quote if name == "quote" else new[name]
        for line, name in compared.items()
        if (line in record.present or name in KEYED) and new[name] != old[name]
    }
    return changed


def _pick(record: StanceRecord, new: StanceValues, rows: list[StanceValues]) -> StanceValues | None:
    if not rows:
        return None
    for row in rows:
        if not _changed(record, new, row, by_id=False):
            return row
    if record.id is not None:
        for row in rows:
            if row["id"] == record.id:
                return row
    return rows[0]


async def import_stances(ctx: Context, records: list[StanceRecord]) -> None:
    """Create the new stances, update the changed ones; their claims' counters are recounted
    at the end of the import."""
    live = [r for r in records if not r.failed]
    # Every read first: then the previous batch's deferred rows are written (in
    # `create_stances`, after its own lookup) while this batch is prepared in Python.
    texts = await ctx.texts.load(
        ctx.session,
        ctx.writer.dialect,
        {r.one["source"].id for r in live if r.data.quote is not None and r.one["source"].has_text},
    )
    decide = Decider(ctx, await given_ids(ctx, Stance, live))
    matched: list[tuple[StanceRecord, StanceValues, StanceValues]] = []
    by_id: list[tuple[StanceRecord, StanceValues]] = []

    def refused(i: int, error: InvalidField) -> None:
        for e in error.errors:
            ctx.fail(live[i], e.field, e.message, e.type)

    def place(i: int, values: StanceValues, repeats: list[StanceValues]) -> uuid.UUID | None:
        record = live[i]
        # Stances of this import's earlier batches are repeats of an earlier line, not matches.
        before = [row for row in repeats if not ctx.created_here(row["created_at"])]
        old = _pick(record, values, before)
        if old is not None:
            record.target = old["id"].hex
            matched.append((record, values, old))
            return None
        target = decide.by_given_id(record)
        if record.failed:
            return None
        if target is not None:
            record.target = target
            by_id.append((record, values))
            return None
        natural = hash(natural_key(values))
        if not ctx.index.add_stance(natural):
            message = (
                "repeats the stance of an earlier line (same claim, actor, source, label, quote)"
            )
            ctx.fail(record, "quote", message, "duplicate-stance")
            return None
        if record.id is None:
            chosen: uuid.UUID = values["id"]  # the new id its row was built with
        else:
            given = decide.new_id(record)
            if given is None:
                ctx.index.forget_stance(natural)
                return None
            chosen = as_uuid(given)
        record.target = chosen.hex
        ctx.touched_claims.add(record.one["claim"].id)
        ctx.count(record, "created")
        return chosen

    await create_stances(
        ctx.session,
        [_new(record, texts) for record in live],
        ctx.write(refused),
        place,
    )
    if matched or by_id:
        await ctx.writer.drain()  # the services' updates read and recount stances
    for record, values, old in matched:
        await _update(ctx, record, _changed(record, values, old, by_id=False))
    for record, values in by_id:
        assert record.target is not None
        stored = await ctx.session.execute(
            select(Stance.__table__).where(Stance.id == as_uuid(record.target))
        )
        old = stored.one()._asdict()
        if natural_key(old)[:3] != natural_key(values)[:3]:
            message = "is the id of a stance on another claim, actor or source"
            ctx.fail(record, "id", message, "id-conflict")
            continue
        await _update(ctx, record, _changed(record, values, old, by_id=True))
    ctx.session.expunge_all()


async def _update(ctx: Context, record: StanceRecord, changed: Changed) -> None:
    assert record.target is not None
    if changed:
        ctx.touched_claims.add(record.one["claim"].id)
    stance_id = as_uuid(record.target)

    async def update(changed: Changed) -> object:
        update = StanceUpdate.model_validate(changed)
        return await stances.update_stance(ctx.session, stance_id, update, by=ctx.by)

    await settle(ctx, record, changed, update)


def check_stance(data: StanceCreate) -> Derived:
    """The probability inside the label's band; a retraction source only with a retraction
    date, not before the stance (checked again, by `create_stances`, once the source's date
    is known)."""
    rules.check_stance(data)
    return NOTHING


STANCE = Spec("stance", StanceCreate, REFS, import_stances, check_stance)
