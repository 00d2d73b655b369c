"""Read-side questions about one claim: who stands where (as of a date, with
implied disputers), its timeline, and its related claims."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, Protocol, cast

from fastapi import Query
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
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
from app.db.filters import Where, bound, conditions, filters_of
from app.db.paging import PageParams, keyset, split_page
from app.db.statements import Statement, built_once, select_rows
from app.models import Claim, ClaimRelation, ClaimStats, Stance
from app.models.stance import has_label
from app.paths import ActorFilter, AsOf, LabelFilter
from app.records import require
from app.stances.rows import StanceFields, StanceRow, select_stances, stance_fields
from app.stances.schemas import ClaimRef
from app.vocabulary import ClaimRelationKind, StanceSide


def said_at() -> ColumnElement[datetime]:
    """When a stance was said: `stated_at`, else when it was recorded."""
    return func.coalesce(Stance.stated_at, Stance.created_at)


def current_as_of(as_of: datetime | ColumnElement[datetime] | None) -> ColumnElement[bool]:
    """Stances standing at `as_of` (now when None): not retracted by then."""
    if as_of is None:
        return Stance.retracted_at.is_(None)
    return or_(Stance.retracted_at.is_(None), Stance.retracted_at > as_of)


def _contradicting(claim_id: uuid.UUID) -> Select[uuid.UUID]:
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


class ClaimStanceFields(StanceFields):
    """The `ClaimStanceOut` fields, in the model's order."""

    implied: bool
    via_claim_id: uuid.UUID | None


class ClaimStanceRow(StanceRow, Protocol):
    """A row of the claim's stances: `select_stances()` and where an implied one comes from."""

    implied: bool
    via_claim_id: uuid.UUID | None


# Not frozen, as `app.claims.filters.ClaimQuery`: cheaper to build for each request; built
# by FastAPI from the query string (`app.http.deps.from_query`).
@dataclass(slots=True, kw_only=True)
class ClaimStanceQuery:
    """The filters of a claim's stances (`GET /v1/claims/{id}/stances`); None: not filtered."""

    side: Annotated[
        StanceSide | None,
        Query(description="`support`: who asserts it; `dispute`: who disputes it; `neutral`."),
        Where(lambda p: Stance.side == bindparam(p)),
    ] = None
    label: Annotated[LabelFilter, Where(has_label)] = None
    actor_id: Annotated[ActorFilter, Where(lambda p: Stance.actor_id == bindparam(p))] = None
    # The record as it stood then: stances said by then and not retracted by then.
    as_of: AsOf = None
    include_retracted: Annotated[
        bool, Query(description="Also list stances retracted (by `as_of`, if given).")
    ] = False
    # With the supporters of claims contradicting this one, as implied disputers.
    include: Annotated[
        Literal["implied"] | None,
        Query(
            description="`implied`: add actors who support a claim that contradicts this one, "
            "as implied disputers (`implied: true`, `via_claim_id`)."
        ),
    ] = None

    @property
    def with_implied(self) -> bool:
        """Whether the implied disputers are listed: asked for, and no filter excludes them."""
        return (
            self.include == "implied"
            and self.side in (None, StanceSide.dispute)
            and self.label is None
        )


# Built once: constructing the joined SELECT of 30 columns cost more than running it.
DIRECT_STANCES = select_stances(false().label("implied"), literal(None, Uuid).label("via_claim_id"))


@built_once
def _direct_statement(given: tuple[str, ...], include_retracted: bool) -> Statement:
    """The claim's own stances, filtered by the parameters `given`: one statement per
    combination, built once with bound parameters (building the joined SELECT and its cache
    key on every request cost more than running it)."""
    stmt = DIRECT_STANCES.where(Stance.claim_id == bindparam("claim_id", type_=Uuid))
    stmt = stmt.where(*conditions(ClaimStanceQuery, given))
    as_of = bindparam("as_of", type_=Stance.retracted_at.type) if "as_of" in given else None
    if as_of is not None:
        stmt = stmt.where(said_at() <= as_of)
    if not include_retracted:
        stmt = stmt.where(current_as_of(as_of))
    if "after" in given:
        stmt = stmt.where(Stance.id > bindparam("after", type_=Uuid))
    return stmt.order_by(Stance.id).limit(bindparam("limit", type_=Integer))


def claim_stance_list(
    claim_id: uuid.UUID, query: ClaimStanceQuery, page: PageParams
) -> tuple[Statement, dict[str, object]]:
    """The statement of one page of the claim's stances in id order (a row more than the
    page, to tell whether another follows), and its bound parameters."""
    if not query.with_implied:
        params: dict[str, object] = {"claim_id": claim_id, "limit": page.limit + 1}
        params.update(bound(query, filters_of(ClaimStanceQuery, Where)))
        for name, value in (("as_of", query.as_of), ("after", page.after)):
            if value is not None:
                params[name] = value
        return _direct_statement(tuple(params), query.include_retracted), params

    # With implied disputers: the claim's stances and those of the claims contradicting it.
    def common(stmt: Statement) -> Statement:
        if query.actor_id is not None:
            stmt = stmt.where(Stance.actor_id == query.actor_id)
        if query.as_of is not None:
            stmt = stmt.where(said_at() <= query.as_of)
        if not query.include_retracted:
            stmt = stmt.where(current_as_of(query.as_of))
        return stmt

    direct = common(DIRECT_STANCES.where(Stance.claim_id == claim_id))
    if query.side is not None:
        direct = direct.where(Stance.side == query.side)
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
    return stmt.order_by(both.c.id).limit(page.limit + 1), {}


async def claim_stances(
    session: AsyncSession, claim_id: uuid.UUID, page: PageParams, query: ClaimStanceQuery
) -> tuple[list[ClaimStanceFields], str | None]:
    """Who stands where on the claim, each row with actor, source and quote; optionally as the
    record stood on a date, and with implied disputers (supporters of contradicting claims).
    Rows as `ClaimStanceOut` fields, ready for JSON."""
    stmt, params = claim_stance_list(claim_id, query, page)
    found: list[ClaimStanceRow] = list(await select_rows(session, stmt, params))
    rows, cursor = split_page(found, page)
    if not rows:
        # Only an empty page asks whether the claim exists (404, or 410 if deleted).
        await require(session, Claim, claim_id, "claim")
    items = []
    for r in rows:
        # The stance's fields completed in place (no copy of each row's dict).
        fields = cast(ClaimStanceFields, stance_fields(r))
        fields["implied"] = bool(r.implied)
        fields["via_claim_id"] = r.via_claim_id
        items.append(fields)
    return items, cursor


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
        TimelineEntry.model_validate(
            {
                **stance_fields(r),
                "at": r._mapping["at"],
                "previous_label": r._mapping["previous_label"],
                "position_changed": r._mapping["previous_label"] not in (None, r._mapping["label"]),
            }
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
    known: bool = False,
) -> tuple[list[RelatedClaimOut], str | None]:
    """Claims related to this one in either direction, with their stance counts. `known`:
    the caller has read the claim, so whether it exists is not asked again."""
    if not known:
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
        list(await select_rows(session, keyset(stmt, ClaimRelation.id, page))), page
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


__all__ = ["claim_stances", "claim_timeline", "related_claims"]
