"""Importing stances: quotes anchored in their source's text, dates defaulted from the source,
matched by (claim, actor, source, label, quote) against stances recorded before this import.

The API refuses a second stance with the same claim, actor, source, label and quote, and so
does the import: a record matches a stance that existed before the import began (one equal to
it if there is one, else the one with its id, else the oldest), and a record repeating the
natural key of a stance an earlier line created is refused with its line. A stance on a
claim, actor or source this import created cannot have existed before, and skips the lookup.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Row, select

from app.errors import InvalidField
from app.models import Stance
from app.stances import service as stances
from app.stances.schemas import StanceCreate, StanceUpdate
from app.transfer import rules
from app.transfer.context import Context, Resolved, as_uuid, chunks, new_hex
from app.transfer.records import Record
from app.transfer.rows import HexId, StanceRow
from app.transfer.upsert import Changed, Decider, given_ids, settle
from app.vocabulary import Confidence, StanceLabel, side_of

StanceRecord = Record[StanceCreate]
NaturalKey = tuple[HexId, HexId, HexId, str, str | None]  # see StanceRow.natural_key
# Label (as validated) -> (label, side) as stored.
LABELS = {label: (label.value, side_of(label).value) for label in StanceLabel}
CONFIDENCES: dict[Confidence | None, str | None] = {c: c.value for c in Confidence} | {None: None}
# The fields a match compares (as on the line), and the row's field for each.
COMPARED = {
    "probability": "probability",
    "confidence": "confidence",
    "stated_at": "stated_at",
    "retracted_at": "retracted_at",
    "retraction_source": "retraction_source_id",
}


def _hex(value: uuid.UUID | None) -> HexId | None:
    return value.hex if value is not None else None


def _prepare(ctx: Context, record: StanceRecord, texts: dict[HexId, str]) -> StanceRow | None:
    """The record's row (id left empty): its date defaulted, its quote anchored; None if a
    rule refuses it."""
    data, refs = record.data, record.one
    source: Resolved = refs["source"]
    retraction = refs.get("retraction_source")
    stated_at = data.stated_at if data.stated_at is not None else source.published_at
    quote, start, end, prefix, suffix = data.quote, None, None, None, None
    try:
        if data.stated_at is None and data.retracted_at is not None:
            rules.check_retraction(data, stated_at)
        if data.quote is not None and source.has_text:
            span = rules.anchor_quote(source.id, data.quote, texts[source.id])
            quote, start, end, prefix, suffix = (
                span.exact,
                span.start,
                span.end,
                span.prefix,
                span.suffix,
            )
    except InvalidField as exc:
        for e in exc.errors:
            ctx.fail(record, e.field, e.message, e.type)
        return None
    label, side = LABELS[data.label]
    return StanceRow(
        "",
        refs["claim"].id,
        refs["actor"].id,
        source.id,
        label,
        side,
        data.probability,
        CONFIDENCES[data.confidence],
        quote,
        start,
        end,
        prefix,
        suffix,
        stated_at,
        ctx.by,
        data.retracted_at,
        retraction.id if retraction is not None else None,
        ctx.now,
        ctx.now,
        1,
    )


def _stored(row: Row[tuple[object, ...]]) -> StanceRow:
    """A stance row read back, as `_prepare` builds one."""
    stance = row._mapping
    return StanceRow(
        stance["id"].hex,
        stance["claim_id"].hex,
        stance["actor_id"].hex,
        stance["source_id"].hex,
        stance["label"],
        stance["side"],
        stance["probability"],
        stance["confidence"],
        stance["quote"],
        stance["quote_start"],
        stance["quote_end"],
        stance["quote_prefix"],
        stance["quote_suffix"],
        stance["stated_at"],
        stance["recorded_by"],
        stance["retracted_at"],
        _hex(stance["retraction_source_id"]),
        stance["created_at"],
        stance["updated_at"],
        stance["version"],
    )


def _changed(record: StanceRecord, new: StanceRow, old: StanceRow, *, by_id: bool) -> Changed:
    present = record.present
    changed: Changed = {
        name: getattr(new, field)
        for name, field in COMPARED.items()
        if name in present and getattr(new, field) != getattr(old, field)
    }
    if by_id:
        if new.label != old.label:
            changed["label"] = new.label
        if new.quote != old.quote:
            changed["quote"] = record.data.quote
    return changed


async def _candidates(
    ctx: Context, triples: Sequence[tuple[HexId, HexId, HexId]]
) -> dict[NaturalKey, list[StanceRow]]:
    """Stances recorded before this import on these (claim, actor, source) triples, by natural
    key."""
    found: dict[NaturalKey, list[StanceRow]] = defaultdict(list)
    for part in chunks(triples):
        result = await ctx.session.execute(
            select(Stance.__table__).where(
                ctx.rows_among(
                    (Stance.claim_id, Stance.actor_id, Stance.source_id),
                    [tuple(as_uuid(i) for i in t) for t in part],
                )
            )
        )
        for row in result:
            stored = _stored(row)
            if not ctx.created_here(stored.created_at):
                found[stored.natural_key()].append(stored)
    for same in found.values():
        same.sort(key=lambda r: r.id)
    return found


def _pick(record: StanceRecord, new: StanceRow, rows: list[StanceRow]) -> StanceRow | None:
    if not rows:
        return None
    for row in rows:
        if not _changed(record, new, row, by_id=False):
            return row
    if record.id is not None:
        for row in rows:
            if row.id == record.id.hex:
                return row
    return rows[0]


async def import_stances(ctx: Context, records: list[StanceRecord]) -> None:
    """Create the new stances, update the changed ones; their claims' counters are recounted
    at the end of the import."""
    live = [r for r in records if not r.failed]
    # Every read first: then the previous batch's deferred rows are written while this batch
    # is prepared in Python.
    texts = await ctx.texts.load(
        ctx.session,
        ctx.writer.dialect,
        {r.one["source"].id for r in live if r.data.quote is not None and r.one["source"].has_text},
    )
    triples = set()
    for record in live:
        claim, actor, source = record.one["claim"], record.one["actor"], record.one["source"]
        if not (claim.created or actor.created or source.created):
            triples.add((claim.id, actor.id, source.id))
    candidates = await _candidates(ctx, sorted(triples)) if triples else {}
    decide = Decider(ctx, await given_ids(ctx, Stance, live))
    await ctx.writer.start()
    prepared: list[tuple[StanceRecord, StanceRow]] = []
    for record in live:
        row = _prepare(ctx, record, texts)
        if row is not None:
            prepared.append((record, row))
    rows: list[StanceRow] = []
    matched: list[tuple[StanceRecord, StanceRow, StanceRow]] = []
    by_id: list[tuple[StanceRecord, StanceRow]] = []
    for record, row in prepared:
        natural_key = row.natural_key()
        old = _pick(record, row, candidates.get(natural_key, []))
        if old is not None:
            record.target = old.id
            matched.append((record, row, old))
            continue
        target = decide.by_given_id(record)
        if record.failed:
            continue
        if target is not None:
            record.target = target
            by_id.append((record, row))
            continue
        natural = hash(natural_key)
        if natural in ctx.new_stances:
            message = (
                "repeats the stance of an earlier line (same claim, actor, source, label, quote)"
            )
            ctx.fail(record, "quote", message, "duplicate-stance")
            continue
        new_id = decide.new_id(record) if record.id is not None else new_hex()
        if new_id is None:
            continue
        ctx.new_stances.add(natural)
        record.target = new_id
        rows.append(row._replace(id=new_id))
        ctx.touched_claims.add(row.claim_id)
        ctx.count(record, "created")
    # Deferred until the next batch's reads: those match only stances that existed before the
    # import, and a batch that gives ids writes the deferred rows before looking them up.
    await ctx.create(Stance, rows)
    if matched or by_id:
        await ctx.writer.drain()  # the services' updates read and recount stances
    for record, row, old in matched:
        await _update(ctx, record, _changed(record, row, old, by_id=False))
    for record, row in by_id:
        assert record.target is not None
        stored = await ctx.session.execute(
            select(Stance.__table__).where(Stance.id == as_uuid(record.target))
        )
        old = _stored(stored.one())
        if (old.claim_id, old.actor_id, old.source_id) != (
            row.claim_id,
            row.actor_id,
            row.source_id,
        ):
            message = "is the id of a stance on another claim, actor or source"
            ctx.fail(record, "id", message, "id-conflict")
            continue
        await _update(ctx, record, _changed(record, row, old, by_id=True))
    ctx.session.expunge_all()


async def _update(ctx: Context, record: StanceRecord, changed: Changed) -> None:
    assert record.target is not None
    if "retraction_source" in changed:
        source = changed.pop("retraction_source")
        changed["retraction_source_id"] = as_uuid(str(source)) if source else None
    if changed:
        ctx.touched_claims.add(record.one["claim"].id)
    stance_id = as_uuid(record.target)

    async def update(changed: Changed) -> object:
        update = StanceUpdate.model_validate(changed)
        return await stances.update_stance(ctx.session, stance_id, update, by=ctx.by)

    await settle(ctx, record, changed, update)
