"""Stances: create, read, list, update, delete; each checked against the vocabulary's bands
and, where the source holds its text, against that text."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from app.db.batches import Write
from app.db.paging import PageParams, split_page
from app.db.statements import SqlRow, Statement, built_once, select_rows
from app.errors import Duplicate, UnknownReference
from app.models import Actor, Claim, Source, Stance
from app.records import changed_fields, load, require_ids, save_change
from app.stances import rules
from app.stances.filters import StanceQuery, stance_list
from app.stances.rows import (
    STANCE_KEYS,
    Publisher,
    StanceFields,
    row_to_out,
    select_stances,
    stance_fields,
)
from app.stances.schemas import StanceCreate, StanceOut, StanceUpdate
from app.stances.writes import NewStance, StanceValues, create_stances
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


def _same_stance() -> Select[uuid.UUID]:
    """Another stance with the same claim, actor, source, label and quote as the parameters'
    (`id` is the stance's own)."""
    return select(Stance.id).where(
        Stance.claim_id == bindparam("claim_id"),
        Stance.actor_id == bindparam("actor_id"),
        Stance.source_id == bindparam("source_id"),
        Stance.label == bindparam("label"),
        Stance.quote.is_not_distinct_from(bindparam("quote", type_=Stance.quote.type)),
        Stance.id != bindparam("id"),
    )


# Built once: a write runs it on the session's connection, not through the ORM.
SAME_STANCE = _same_stance()


async def _refuse_duplicate(session: AsyncSession, stance: Stance) -> None:
    """409 naming the existing stance if another has the same claim, actor, source, label and
    quote. Writers on one claim take its counters' row lock first (SQLite's writer holds the
    database's), so two equal stances cannot both pass this check."""
    await stats.lock_claim(session, stance.claim_id)
    connection = await session.connection()
    params = {
        "claim_id": stance.claim_id,
        "actor_id": stance.actor_id,
        "source_id": stance.source_id,
        "label": stance.label,
        "quote": stance.quote,
        "id": stance.id,
    }
    existing = (await connection.execute(SAME_STANCE, params)).first()
    if existing is not None:
        raise Duplicate(
            "this stance (claim, actor, source, label and quote) is already recorded",
            existing_id=existing[0],
        )


Retraction = aliased(Source, name="retraction")
# The fields an update does not set as given: the label (its side with it), the quote (found
# in the source's text).
DERIVED = frozenset({"label", "quote"})


@built_once
def _references(with_text: bool, with_retraction: bool) -> Statement:
    """One SELECT for every reference a new stance makes: its source's row (none if the
    source does not exist), with the claim's statement and the actor's name and kind (null
    where either does not exist), the retraction source's id (if one is named) and the
    source's text (if a quote is to be found in it). Besides the checks, it holds what the
    created stance's answer embeds, so nothing is read again after the write."""
    claim_id = bindparam("claim_id", type_=Claim.id.type)
    actor_id = bindparam("actor_id", type_=Actor.id.type)

    def of(column: Any, where: Any) -> Any:
        return select(column).where(where).correlate(None).scalar_subquery()

    columns: list[Any] = [
        Source.published_at.label("source_published_at"),
        Source.title.label("source_title"),
        Source.url.label("source_url"),
        Source.publisher_id.label("publisher_id"),
        Publisher.name.label("publisher_name"),
        of(Claim.statement, Claim.id == claim_id).label("claim_statement"),
        of(Actor.name, Actor.id == actor_id).label("actor_name"),
        of(Actor.kind, Actor.id == actor_id).label("actor_kind"),
    ]
    if with_retraction:
        found = of(Retraction.id, Retraction.id == bindparam("retraction_source_id"))
        columns.append(found.label("retraction_found"))
    if with_text:  # a source's text (a whole article) is read only to find a quote
        columns.append(Source.text.label("source_text"))
    return (
        select(*columns)
        .outerjoin(Publisher, Publisher.id == Source.publisher_id)
        .where(Source.id == bindparam("source_id"))
    )


async def _check_references(
    session: AsyncSession, connection: AsyncConnection, data: StanceCreate
) -> SqlRow:
    """The row of `_references` for a new stance, or a 422 naming the first of claim, actor,
    source and retraction source that does not exist (in that order)."""
    params = {
        "claim_id": data.claim_id,
        "actor_id": data.actor_id,
        "source_id": data.source_id,
        "retraction_source_id": data.retraction_source_id,
    }
    statement = _references(data.quote is not None, data.retraction_source_id is not None)
    row = (await connection.execute(statement, params)).first()
    if row is None:  # no such source: the claim's and actor's checks come first
        await require_ids(session, Claim, [data.claim_id], "claim_id", "claim")
        await require_ids(session, Actor, [data.actor_id], "actor_id", "actor")
        raise UnknownReference("source_id", "source", data.source_id)
    if row.claim_statement is None:
        raise UnknownReference("claim_id", "claim", data.claim_id)
    if row.actor_name is None:
        raise UnknownReference("actor_id", "actor", data.actor_id)
    if data.retraction_source_id is not None and row.retraction_found is None:
        raise UnknownReference("retraction_source_id", "source", data.retraction_source_id)
    return row


def _utc(value: datetime | None) -> datetime | None:
    """A time as the database gives it back (`UTCDateTime`): aware, in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Created:
    """A new stance's row and the references its answer embeds, read as `select_stances()`'s
    rows are (`stance_fields`): by name or by place."""

    def __init__(self, values: StanceValues, refs: SqlRow) -> None:
        self.values, self.refs = values, refs
        # As a read back from the database would give them.
        self.stated_at = _utc(values["stated_at"])
        self.retracted_at = _utc(values["retracted_at"])

    def __getattr__(self, name: str) -> Any:
        if name in _REF_COLUMNS:
            return getattr(self.refs, name)
        return self.values[name]

    def __getitem__(self, index: int) -> Any:
        return getattr(self, STANCE_KEYS[index])


_REF_COLUMNS = frozenset(
    {
        "actor_name",
        "actor_kind",
        "source_title",
        "source_url",
        "publisher_id",
        "publisher_name",
        "source_published_at",
        "claim_statement",
    }
)


async def create_stance(session: AsyncSession, data: StanceCreate, *, by: str | None) -> StanceOut:
    """The new stance, with its side derived and its quote located: a batch of one for
    `create_stances`, its refusal a 422 (a rule) or 409 (a repeat)."""
    # The session's connection, asked for once: its statements below are Core statements.
    connection = await session.connection()
    refs = await _check_references(session, connection, data)
    text = refs.source_text if data.quote is not None else None
    new = NewStance(data, published_at=refs.source_published_at, text=text)
    (outcome,) = await create_stances(session, [new], Write(by))
    if outcome.error is not None:
        raise outcome.error
    if outcome.repeats:
        raise Duplicate(
            "this stance (claim, actor, source, label and quote) is already recorded",
            existing_id=outcome.repeats[0]["id"],
        )
    assert outcome.values is not None
    return row_to_out(_Created(outcome.values, refs))  # a StanceRow by its attributes


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
    for field, value in changes.items():
        if field not in DERIVED:  # as given, like a new stance's fields (see writes)
            setattr(stance, field, value)
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
    await save_change(session, stance)
    if changes.keys() & {"label", "probability", "stated_at", "retracted_at"}:
        await stats.recount(session, [stance.claim_id])
    return await _read(session, stance.id)


async def delete_stance(session: AsyncSession, stance_id: uuid.UUID) -> None:
    """Delete the stance."""
    stance = await load(session, Stance, stance_id, "stance", for_update=True)
    await session.delete(stance)
    await session.flush()
    await stats.recount(session, [stance.claim_id])
