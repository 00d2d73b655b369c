"""Read-side questions about one claim: its summary, who stands where (as of a date, with
implied disputers), its timeline, and its related claims."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Uuid,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.answers import RelatedClaimOut, TimelineEntry
from app.claims.rows import CLAIM_COLUMNS, with_links
from app.db.engines import built_once, select_rows
from app.http.pagination import PageParams, keyset, split_page
from app.models import Claim, ClaimRelation, ClaimStats, ClaimTally, Stance
from app.models.claim import NO_PROBABILITY
from app.records import require
from app.stances.rows import select_stances, stance_fields
from app.stances.schemas import ClaimRef
from app.vocabulary import STANCE_LABELS, ClaimRelationKind, StanceLabel, StanceSide


def said_at() -> ColumnElement[datetime]:
    """When a stance was said: `stated_at`, else when it was recorded."""
    return func.coalesce(Stance.stated_at, Stance.created_at)


def current_as_of(as_of: datetime | ColumnElement[datetime] | None) -> ColumnElement[bool]:
    """Stances standing at `as_of` (now when None): not retracted by then."""
    if as_of is None:
        return Stance.retracted_at.is_(None)
    return or_(Stance.retracted_at.is_(None), Stance.retracted_at > as_of)


def _median(weighted: list[tuple[float, int]]) -> float:
    """The median of values given with their multiplicities."""
    ordered = sorted(weighted)
    total = sum(n for _, n in ordered)

    def nth(k: int) -> float:
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)

    middle = nth(total // 2) if total % 2 else (nth(total // 2 - 1) + nth(total // 2)) / 2
    return round(middle, 4)


# Built once: the claim with its counters (outer-joined: NULLs when it has none) and its
# tallies, one statement for the claim's page instead of an ORM load per table.
SUMMARY_COLUMNS = (
    ClaimStats.total,
    ClaimStats.support,
    ClaimStats.neutral,
    ClaimStats.dispute,
    ClaimStats.retracted,
    ClaimStats.support_actors,
    ClaimStats.neutral_actors,
    ClaimStats.dispute_actors,
    ClaimStats.contested,
    ClaimStats.first_stated_at,
    ClaimStats.latest_stated_at,
)


def _tallies(postgres: bool) -> Any:
    """The claim's tallies as one JSON array of [label, probability, stances] (an empty one,
    or NULL on PostgreSQL, when it has none): a column of the claim's row."""
    entry = (ClaimTally.label, ClaimTally.probability, ClaimTally.stances)
    rows = (
        func.json_agg(func.json_build_array(*entry), type_=JSON)
        if postgres
        else func.json_group_array(func.json_array(*entry), type_=JSON)
    )
    return select(rows).where(ClaimTally.claim_id == Claim.id).scalar_subquery().label("tallies")


@built_once
def claim_with_stats(postgres: bool) -> Any:
    """The claim's row with its counters and tallies (and, on PostgreSQL, its links), by
    `claim_id`."""
    stmt = (
        select(*CLAIM_COLUMNS, *SUMMARY_COLUMNS, _tallies(postgres))
        .outerjoin(ClaimStats, ClaimStats.claim_id == Claim.id)
        .where(Claim.id == bindparam("claim_id", type_=Uuid))
    )
    return with_links(stmt, Claim.id) if postgres else stmt


# The support labels with the midpoint of their band (None: no band, e.g. `asserted`), and
# every label in the vocabulary's order, as the summary reads them.
_SUPPORT_MIDPOINTS: dict[str, float | None] = {
    label.value: info.band.midpoint if info.band else None
    for label, info in STANCE_LABELS.items()
    if info.side == StanceSide.support
}
_LABEL_ORDER = tuple(label.value for label in StanceLabel)


def claim_summary(claim: Any) -> dict[str, Any]:
    """Counts by side and label, distinct actors per side, contested, dates, and the support
    side's probability summary, from a row of `claim_with_stats`: counters and tallies kept
    as stances change, so a claim with 100k stances is summarized as fast as one with ten.

    The `ClaimSummary` fields as plain values in the model's order, written as JSON without
    building the models (app.http.rendering)."""
    tallies: Sequence[Any] = claim.tallies or ()
    stats = claim if claim.total is not None else None
    by_label: dict[str, int] = {}
    weighted: list[tuple[float, int]] = []
    # A hot claim has over a hundred tallies (one per label and probability): read as plain
    # strings and floats, without an enum lookup each (~110 µs for such a claim, ~40 now).
    for label, tallied, n in tallies:
        by_label[label] = by_label.get(label, 0) + n
        if label in _SUPPORT_MIDPOINTS:
            value = _SUPPORT_MIDPOINTS[label] if tallied == NO_PROBABILITY else tallied
            if value is not None:
                weighted.append((float(value), n))
    return {
        "total": stats.total if stats else 0,
        "by_side": {
            "support": {"stances": stats.support, "actors": stats.support_actors},
            "neutral": {"stances": stats.neutral, "actors": stats.neutral_actors},
            "dispute": {"stances": stats.dispute, "actors": stats.dispute_actors},
        }
        if stats
        else {side.value: {"stances": 0, "actors": 0} for side in StanceSide},
        "by_label": {label: by_label[label] for label in _LABEL_ORDER if label in by_label},
        "contested": bool(stats and stats.contested),
        "first_stated_at": stats.first_stated_at if stats else None,
        "latest_stated_at": stats.latest_stated_at if stats else None,
        "retracted": stats.retracted if stats else 0,
        "support_probability": {
            "median": _median(weighted),
            "low": min(v for v, _ in weighted),
            "high": max(v for v, _ in weighted),
            "stances": sum(n for _, n in weighted),
        }
        if weighted
        else None,
    }


def _contradicting(claim_id: uuid.UUID) -> Any:
    """Ids of claims that contradict this one (the relation holds both ways)."""
    return select(
        case(
            (ClaimRelation.claim_id == claim_id, ClaimRelation.related_claim_id),
            else_=ClaimRelation.claim_id,
        )
    ).where(
        ClaimRelation.kind == ClaimRelationKind.contradicts,
        or_(ClaimRelation.claim_id == claim_id, ClaimRelation.related_claim_id == claim_id),
    )


# Built once: constructing the joined SELECT of 30 columns cost more than running it.
DIRECT_STANCES = select_stances(false().label("implied"), literal(None, Uuid).label("via_claim_id"))


@built_once
def _direct_statement(given: tuple[str, ...], include_retracted: bool) -> Any:
    """The claim's own stances, filtered by the parameters `given`: one statement per
    combination, built once with bound parameters (building the joined SELECT and its cache
    key on every request cost more than running it)."""
    stmt = DIRECT_STANCES.where(Stance.claim_id == bindparam("claim_id", type_=Uuid))
    if "side" in given:
        stmt = stmt.where(Stance.side == bindparam("side"))
    if "label" in given:
        stmt = stmt.where(Stance.label == bindparam("label"))
    if "actor_id" in given:
        stmt = stmt.where(Stance.actor_id == bindparam("actor_id"))
    as_of = bindparam("as_of", type_=Stance.retracted_at.type) if "as_of" in given else None
    if as_of is not None:
        stmt = stmt.where(said_at() <= as_of)
    if not include_retracted:
        stmt = stmt.where(current_as_of(as_of))
    if "after" in given:
        stmt = stmt.where(Stance.id > bindparam("after", type_=Uuid))
    return stmt.order_by(Stance.id).limit(bindparam("limit", type_=Integer))


async def claim_stances(
    session: AsyncSession,
    claim_id: uuid.UUID,
    page: PageParams,
    *,
    side: StanceSide | None = None,
    label: StanceLabel | None = None,
    actor_id: uuid.UUID | None = None,
    as_of: datetime | None = None,
    include_retracted: bool = False,
    implied: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """Who stands where on the claim, each row with actor, source and quote; optionally as the
    record stood on a date, and with implied disputers (supporters of contradicting claims).
    Rows as `ClaimStanceOut` fields, ready for JSON."""

    if not (implied and side in (None, StanceSide.dispute) and label is None):
        params: dict[str, Any] = {"claim_id": claim_id, "limit": page.limit + 1}
        for name, value in (
            ("side", side),
            ("label", label),
            ("actor_id", actor_id),
            ("as_of", as_of),
            ("after", page.after),
        ):
            if value is not None:
                params[name] = value
        stmt = _direct_statement(tuple(params), include_retracted)
        rows, cursor = split_page(list(await select_rows(session, stmt, params)), page)
        return await _claim_stance_rows(session, claim_id, rows), cursor

    # With implied disputers: the claim's stances and those of the claims contradicting it.
    def common(stmt: Any) -> Any:
        if actor_id is not None:
            stmt = stmt.where(Stance.actor_id == actor_id)
        if as_of is not None:
            stmt = stmt.where(said_at() <= as_of)
        if not include_retracted:
            stmt = stmt.where(current_as_of(as_of))
        return stmt

    direct = common(DIRECT_STANCES.where(Stance.claim_id == claim_id))
    if side is not None:
        direct = direct.where(Stance.side == side)
    indirect = common(
        select_stances(literal(True).label("implied"), Stance.claim_id.label("via_claim_id")).where(
            Stance.claim_id.in_(_contradicting(claim_id)),
            Stance.side == StanceSide.support,
        )
    )
    both = direct.union_all(indirect).subquery()
    stmt = select(both)
    if page.after is not None:
        stmt = stmt.where(both.c.id > page.after)
    stmt = stmt.order_by(both.c.id).limit(page.limit + 1)
    rows, cursor = split_page(list(await select_rows(session, stmt)), page)
    return await _claim_stance_rows(session, claim_id, rows), cursor


async def _claim_stance_rows(
    session: AsyncSession, claim_id: uuid.UUID, rows: list[Any]
) -> list[dict[str, Any]]:
    if not rows:
        # Only an empty page asks whether the claim exists (404, or 410 if deleted).
        await require(session, Claim, claim_id, "claim")
    items = []
    for r in rows:
        fields = stance_fields(r)
        fields["implied"] = bool(r.implied)
        fields["via_claim_id"] = r.via_claim_id
        items.append(fields)
    return items


async def claim_timeline(
    session: AsyncSession,
    claim_id: uuid.UUID,
    page: PageParams,
    *,
    actor_id: uuid.UUID | None = None,
) -> tuple[list[TimelineEntry], str | None]:
    """The claim's stances in the order they were said, each marked when its actor changed
    position since its previous stance on this claim."""
    await require(session, Claim, claim_id, "claim")
    at = said_at()
    previous = func.lag(Stance.label).over(partition_by=Stance.actor_id, order_by=(at, Stance.id))
    inner = (
        select_stances(at.label("at"), previous.label("previous_label"))
        .where(Stance.claim_id == claim_id)
        .subquery()
    )
    stmt = select(inner)
    if actor_id is not None:
        stmt = stmt.where(inner.c.actor_id == actor_id)
    if page.key is not None:
        after_at, after_id = page.key_as(datetime.fromisoformat, uuid.UUID)
        stmt = stmt.where(tuple_(inner.c.at, inner.c.id) > tuple_(after_at, after_id))
    stmt = stmt.order_by(inner.c.at, inner.c.id).limit(page.limit + 1)
    rows = list((await session.execute(stmt)).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    entries = [
        TimelineEntry(
            **stance_fields(r),
            at=r._mapping["at"],
            previous_label=r._mapping["previous_label"],
            position_changed=r._mapping["previous_label"] not in (None, r._mapping["label"]),
        )
        for r in rows
    ]
    cursor = page.cursor(entries[-1].at.isoformat(), entries[-1].id) if more else None
    return entries, cursor


async def related_claims(
    session: AsyncSession,
    claim_id: uuid.UUID,
    page: PageParams,
    *,
    relation: ClaimRelationKind | None = None,
) -> tuple[list[RelatedClaimOut], str | None]:
    """Claims related to this one in either direction, with their stance counts."""
    await require(session, Claim, claim_id, "claim")
    outgoing = ClaimRelation.claim_id == claim_id
    other = case((outgoing, ClaimRelation.related_claim_id), else_=ClaimRelation.claim_id)
    stmt = (
        select(
            ClaimRelation.id,
            ClaimRelation.kind,
            outgoing.label("outgoing"),
            Claim.id.label("other_id"),
            Claim.statement,
            ClaimStats.contested,
            ClaimStats.total,
        )
        .join(Claim, Claim.id == other)
        .outerjoin(ClaimStats, ClaimStats.claim_id == Claim.id)
        .where(or_(outgoing, ClaimRelation.related_claim_id == claim_id))
    )
    if relation is not None:
        stmt = stmt.where(ClaimRelation.kind == relation)
    rows, cursor = split_page(
        list((await session.execute(keyset(stmt, ClaimRelation.id, page))).all()), page
    )
    return [
        RelatedClaimOut(
            relation_id=r.id,
            kind=r.kind,
            direction="outgoing" if r.outgoing else "incoming",
            claim=ClaimRef(id=r.other_id, statement=r.statement),
            contested=bool(r.contested),
            stances=int(r.total or 0),
        )
        for r in rows
    ], cursor


__all__ = ["claim_stances", "claim_summary", "claim_timeline", "related_claims"]
