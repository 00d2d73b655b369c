"""Stances: create, read, list, update, delete; each checked against the vocabulary's bands
and, where the source holds its text, against that text."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from app.db.statements import select_rows
from app.errors import Duplicate, UnknownReference
from app.http.pagination import PageParams, split_page
from app.models import Actor, Claim, Source, Stance
from app.records import bump_version, changed_fields, load, require_ids
from app.stances import rules
from app.stances.filters import StanceQuery, stance_list
from app.stances.rows import StanceFields, row_to_out, select_stances, stance_fields
from app.stances.schemas import StanceCreate, StanceOut, StanceUpdate
from app.tallies import stats
from app.vocabulary import side_of


async def _read(session: AsyncSession, stance_id: uuid.UUID) -> StanceOut:
    row = (await session.execute(select_stances().where(Stance.id == stance_id))).one()
    return row_to_out(row)


def _anchor_quote(stance: Stance, quote: str | None, text: str | None) -> None:
    """Store the quote, and its span when the source's text is held (422 if not found)."""
    stance.quote = quote
    stance.quote_start = stance.quote_end = None
    stance.quote_prefix = stance.quote_suffix = None
    if quote is None or text is None:
        return
    span = rules.quote_span(stance.source_id, quote, text)
    stance.quote = span.exact
    stance.quote_start, stance.quote_end = span.start, span.end
    stance.quote_prefix, stance.quote_suffix = span.prefix, span.suffix


async def _refuse_duplicate(session: AsyncSession, stance: Stance) -> None:
    """409 naming the existing stance if one has the same claim, actor, source, label and
    quote. Writers on one claim take its counters' row lock first (SQLite's writer holds the
    database's), so two equal stances cannot both pass this check."""
    await stats.lock_claim(session, stance.claim_id)
    existing = await session.scalar(
        select(Stance.id).where(
            Stance.claim_id == stance.claim_id,
            Stance.actor_id == stance.actor_id,
            Stance.source_id == stance.source_id,
            Stance.label == stance.label,
            Stance.quote.is_not_distinct_from(stance.quote),
            Stance.id != stance.id,
        )
    )
    if existing is not None:
        raise Duplicate(
            "this stance (claim, actor, source, label and quote) is already recorded",
            existing_id=existing,
        )


async def create_stance(session: AsyncSession, data: StanceCreate, *, by: str | None) -> StanceOut:
    """The new stance, with its side derived and its quote located."""
    await require_ids(session, Claim, [data.claim_id], "claim_id", "claim")
    await require_ids(session, Actor, [data.actor_id], "actor_id", "actor")
    found = select(Source).where(Source.id == data.source_id)
    if data.quote is not None:  # a source's text (a whole article) is read only to find a quote
        found = found.options(undefer(Source.text))
    source = (await session.scalars(found)).one_or_none()
    if source is None:
        raise UnknownReference("source_id", "source", data.source_id)
    await require_ids(
        session, Source, [data.retraction_source_id], "retraction_source_id", "source"
    )
    rules.check_band(data.label, data.probability)
    stated_at = data.stated_at if data.stated_at is not None else source.published_at
    rules.check_retraction(data.retracted_at, data.retraction_source_id, stated_at)
    stance = Stance(
        claim_id=data.claim_id,
        actor_id=data.actor_id,
        source_id=data.source_id,
        label=data.label,
        side=side_of(data.label),
        probability=data.probability,
        confidence=data.confidence,
        stated_at=stated_at,
        recorded_by=by,
        retracted_at=data.retracted_at,
        retraction_source_id=data.retraction_source_id,
    )
    _anchor_quote(stance, data.quote, source.text if data.quote is not None else None)
    await _refuse_duplicate(session, stance)
    session.add(stance)
    await session.flush()
    await stats.count_new_stance(
        session,
        stance.claim_id,
        stance.side,
        stance.stated_at,
        stance.retracted_at is not None,
        actor_id=stance.actor_id,
        label=stance.label,
        probability=stance.probability,
    )
    return await _read(session, stance.id)


async def get_stance(session: AsyncSession, stance_id: uuid.UUID) -> StanceOut:
    """The stance with its actor, source and claim, or a 404."""
    await load(session, Stance, stance_id, "stance")
    return await _read(session, stance_id)


async def list_stances(
    session: AsyncSession,
    page: PageParams,
    query: StanceQuery,
) -> tuple[list[StanceFields], str | None]:
    """One page of stances in creation order, filtered by `query`, as `StanceOut` fields
    ready for JSON; and the next cursor."""
    stmt, params = stance_list(query, page)
    rows = await select_rows(session, stmt, params)
    page_rows, cursor = split_page(list(rows), page)
    return [stance_fields(r) for r in page_rows], cursor


async def update_stance(
    session: AsyncSession, stance_id: uuid.UUID, data: StanceUpdate, *, by: str | None
) -> StanceOut:
    """The stance after the change, re-checked against band and source text."""
    stance = await load(session, Stance, stance_id, "stance", for_update=True)
    changes = changed_fields(data)
    if "label" in changes:
        stance.label = changes["label"]
        stance.side = side_of(stance.label)
    for field in ("probability", "confidence", "stated_at", "retracted_at", "retraction_source_id"):
        if field in changes:
            setattr(stance, field, changes[field])
    rules.check_band(stance.label, stance.probability)
    await require_ids(
        session, Source, [stance.retraction_source_id], "retraction_source_id", "source"
    )
    rules.check_retraction(stance.retracted_at, stance.retraction_source_id, stance.stated_at)
    if "quote" in changes:
        text = await session.scalar(select(Source.text).where(Source.id == stance.source_id))
        _anchor_quote(stance, changes["quote"], text)
    if changes.keys() & {"label", "quote"}:
        await _refuse_duplicate(session, stance)
    bump_version(session, stance)
    await session.flush()
    if changes.keys() & {"label", "probability", "stated_at", "retracted_at"}:
        await stats.recount(session, [stance.claim_id])
    return await _read(session, stance.id)


async def delete_stance(session: AsyncSession, stance_id: uuid.UUID) -> None:
    """Delete the stance."""
    stance = await load(session, Stance, stance_id, "stance", for_update=True)
    await session.delete(stance)
    await session.flush()
    await stats.recount(session, [stance.claim_id])
