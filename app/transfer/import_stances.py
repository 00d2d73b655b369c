"""Importing stances: quotes anchored in their source's text, dates defaulted from the source,
matched by (claim, actor, source, label, quote) against stances recorded before this import.

The API refuses a second stance with the same claim, actor, source, label and quote, and so
does the import: a record matches a stance that existed before the import began (one equal to
it if there is one, else the one with its id, else the oldest), and a record repeating the
natural key of a stance an earlier line created is refused with its line. A stance on a
claim, actor or source this import created cannot have existed before, and skips the lookup.
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from app.errors import InvalidField
from app.models import Stance
from app.stances import service as stances
from app.stances.schemas import StanceUpdate
from app.transfer import rules
from app.transfer.context import Context, Resolved, as_uuid, chunks, new_hex
from app.transfer.records import Record
from app.transfer.upsert import Decider, existing_ids, settle
from app.vocabulary import Confidence, StanceLabel, side_of

COLUMNS = (
    "id",
    "claim_id",
    "actor_id",
    "source_id",
    "label",
    "side",
    "probability",
    "confidence",
    "quote",
    "quote_start",
    "quote_end",
    "quote_prefix",
    "quote_suffix",
    "stated_at",
    "recorded_by",
    "retracted_at",
    "retraction_source_id",
    "created_at",
    "updated_at",
    "version",
)
# Label (as validated) -> (label, side) as stored.
LABELS = {label: (label.value, side_of(label).value) for label in StanceLabel}
CONFIDENCES: dict[Any, str | None] = {c: c.value for c in Confidence} | {None: None}


def _hex(value: Any) -> str | None:
    return value.hex if value is not None else None


def _prepare(ctx: Context, record: Record, texts: dict[str, str]) -> tuple[Any, ...] | None:
    """The record's row (id left empty): its date defaulted, its quote anchored; None if a
    rule refuses it."""
    data, ids = record.data, record.ids
    source: Resolved = ids["source"]
    retraction: Resolved | None = ids["retraction_source"]
    stated_at = data.stated_at if data.stated_at is not None else source.published_at
    try:
        if data.stated_at is None and data.retracted_at is not None:
            rules.check_retraction(data, stated_at)
        span: tuple[Any, ...] = (data.quote, None, None, None, None)
        if data.quote is not None and source.has_text:
            span = rules.anchor_quote(source.id, data.quote, texts[source.id])
    except InvalidField as exc:
        for e in exc.errors:
            ctx.fail(record, e.field, e.message, e.type)
        return None
    label, side = LABELS[data.label]
    return (
        None,
        ids["claim"].id,
        ids["actor"].id,
        source.id,
        label,
        side,
        data.probability,
        CONFIDENCES[data.confidence],
        *span,
        stated_at,
        ctx.by,
        data.retracted_at,
        retraction.id if retraction is not None else None,
        ctx.now,
        ctx.now,
        1,
    )


# Row positions of the fields a match compares (names as on the line).
_FIELDS = {
    "probability": 6,
    "confidence": 7,
    "stated_at": 13,
    "retracted_at": 15,
    "retraction_source": 16,
}


def _stored(row: Any) -> tuple[Any, ...]:
    """A stance row read back, in the shape `_prepare` builds."""
    return (
        row.id.hex,
        row.claim_id.hex,
        row.actor_id.hex,
        row.source_id.hex,
        row.label,
        row.side,
        row.probability,
        row.confidence,
        row.quote,
        row.quote_start,
        row.quote_end,
        row.quote_prefix,
        row.quote_suffix,
        row.stated_at,
        row.recorded_by,
        row.retracted_at,
        _hex(row.retraction_source_id),
        row.created_at,
    )


def _changed(
    record: Record, new: tuple[Any, ...], old: tuple[Any, ...], *, by_id: bool
) -> dict[str, Any]:
    present = record.present
    changed = {name: new[i] for name, i in _FIELDS.items() if name in present and new[i] != old[i]}
    if by_id:
        if new[4] != old[4]:
            changed["label"] = new[4]
        if new[8] != old[8]:
            changed["quote"] = record.data.quote
    return changed


async def _candidates(
    ctx: Context, triples: list[tuple[str, str, str]]
) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
    """Stances recorded before this import on these (claim, actor, source) triples, by natural
    key."""
    found: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
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
            if ctx.created_here(row.created_at):
                continue
            stored = _stored(row)
            found[(*stored[1:5], stored[8])].append(stored)
    for same in found.values():
        same.sort(key=lambda r: r[0])
    return found


def _pick(
    record: Record, new: tuple[Any, ...], rows: list[tuple[Any, ...]]
) -> tuple[Any, ...] | None:
    if not rows:
        return None
    for row in rows:
        if not _changed(record, new, row, by_id=False):
            return row
    if record.id is not None:
        for row in rows:
            if row[0] == record.id.hex:
                return row
    return rows[0]


async def import_stances(ctx: Context, records: list[Record]) -> None:
    """Create the new stances, update the changed ones; their claims' counters are recounted
    at the end of the import."""
    live = [r for r in records if not r.failed]
    # Every read first: then the previous batch's deferred rows are written while this batch
    # is prepared in Python.
    texts = await ctx.texts.load(
        ctx.session,
        ctx.writer.dialect,
        {r.ids["source"].id for r in live if r.data.quote is not None and r.ids["source"].has_text},
    )
    triples = set()
    for record in live:
        ids = record.ids
        if not (ids["claim"].created or ids["actor"].created or ids["source"].created):
            triples.add((ids["claim"].id, ids["actor"].id, ids["source"].id))
    candidates = await _candidates(ctx, sorted(triples)) if triples else {}
    decide = Decider(ctx, await existing_ids(ctx, Stance, [r.id.hex for r in live if r.id]))
    await ctx.writer.start()
    prepared: list[tuple[Record, tuple[Any, ...]]] = []
    for record in live:
        row = _prepare(ctx, record, texts)
        if row is not None:
            prepared.append((record, row))
    rows, matched, by_id = [], [], []
    for record, row in prepared:
        old = _pick(record, row, candidates.get((*row[1:5], row[8]), []))
        if old is not None:
            record.target = old[0]
            matched.append((record, row, old))
            continue
        target = decide.by_given_id(record)
        if record.failed:
            continue
        if target is not None:
            record.target = target
            by_id.append((record, row))
            continue
        natural = hash((*row[1:5], row[8]))
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
        rows.append((new_id, *row[1:]))
        ctx.touched_claims.add(row[1])
        ctx.count(record, "created")
    # Deferred until the next batch's reads: those match only stances that existed before the
    # import, and a batch that gives ids writes the deferred rows before looking them up.
    await ctx.writer.insert(Stance.__table__, COLUMNS, rows, defer=True)  # type: ignore[arg-type]
    await ctx.changes.created(Stance, COLUMNS, rows, defer=True)
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
        if old[1:4] != row[1:4]:
            message = "is the id of a stance on another claim, actor or source"
            ctx.fail(record, "id", message, "id-conflict")
            continue
        await _update(ctx, record, _changed(record, row, old, by_id=True))
    ctx.session.expunge_all()


async def _update(ctx: Context, record: Record, changed: dict[str, Any]) -> None:
    assert record.target is not None
    if "retraction_source" in changed:
        source = changed.pop("retraction_source")
        changed["retraction_source_id"] = as_uuid(source) if source else None
    if changed:
        ctx.touched_claims.add(record.ids["claim"].id)
    stance_id = as_uuid(record.target)
    await settle(
        ctx,
        record,
        changed,
        lambda c: stances.update_stance(ctx.session, stance_id, StanceUpdate(**c), by=ctx.by),
    )
