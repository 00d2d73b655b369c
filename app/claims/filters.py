"""The filters of the claim list (`GET /v1/claims`): the query's parameters as one typed
object, each filter with its condition, and the conditions and bound values they give.

Stance filters (`actor_id`, `side`, `label`, `since`, `until`) must all hold for one current
stance: they are one subquery. Claim filters (`tag`, `about_actor_id`) each test the claim.
A statement depends only on which filters are given (`FilterShape`): it is built once per
combination, its values bound by name.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Annotated, NamedTuple

from fastapi import Query
from sqlalchemy import ColumnElement, SQLColumnExpression, Uuid, bindparam, select

from app.db.filters import bound, filters_of
from app.models import ClaimStats, ClaimSubject, ClaimTag, Stance
from app.models.stance import has_label
from app.schemas import Tag, UTCDatetime
from app.vocabulary import ClaimSort, StanceLabel, StanceSide

ClaimId = SQLColumnExpression[uuid.UUID]


@dataclass(frozen=True, slots=True)
class OnStance:
    """A condition on a current stance of the claim, given its parameter's name."""

    condition: Callable[[str], ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class OnClaim:
    """A condition on the claim's id, given the id's column and the parameter's name."""

    condition: Callable[[ClaimId, str], ColumnElement[bool]]


def _tagged(claim_id: ClaimId, name: str) -> ColumnElement[bool]:
    return claim_id.in_(select(ClaimTag.claim_id).where(ClaimTag.tag == bindparam(name)))


def _about(claim_id: ClaimId, name: str) -> ColumnElement[bool]:
    about = ClaimSubject.actor_id == bindparam(name, type_=Uuid)
    return claim_id.in_(select(ClaimSubject.claim_id).where(about))


# Stance filters selective enough that the claims of their stances are listed first, through
# the stances' (actor_id, …) and (stated_at, claim_id) indexes.
LISTING_FILTERS = frozenset({"actor_id", "since", "until"})


# Not frozen: a frozen dataclass of ten fields takes 3 µs to build on Python 3.11, against
# 0.7 µs. Built from the query string (`app.http.deps.from_query`): each field is a query
# parameter, its description and its condition declared together.
@dataclass(slots=True, kw_only=True)
class ClaimQuery:
    """The claim list's query: full text, filters (None: not filtered), and sort order."""

    q: Annotated[
        str | None,
        Query(
            max_length=400,
            description="Full-text search: claims whose statement, or a quote on them, "
            "contains every word (stemmed: `deploy` finds `deployed`).",
        ),
    ] = None
    actor_id: Annotated[
        uuid.UUID | None,
        Query(description="Only claims this actor has a stance on."),
        OnStance(lambda p: Stance.actor_id == bindparam(p, type_=Uuid)),
    ] = None
    side: Annotated[
        StanceSide | None,
        Query(description="Only claims with a stance on this side (by `actor_id` if given)."),
        OnStance(lambda p: Stance.side == bindparam(p)),
    ] = None
    label: Annotated[
        StanceLabel | None,
        Query(description="Only claims with a stance with this label (by `actor_id` if given)."),
        OnStance(has_label),
    ] = None
    # `true`: both supporters and disputers; `false`: not both (claim_stats' own column).
    contested: Annotated[
        bool | None,
        Query(
            description="`true`: only claims with both supporters and disputers; "
            "`false`: only claims without."
        ),
    ] = None
    tag: Annotated[
        Tag | None, Query(description="Only claims with this tag."), OnClaim(_tagged)
    ] = None
    about_actor_id: Annotated[
        uuid.UUID | None, Query(description="Only claims about this actor."), OnClaim(_about)
    ] = None
    since: Annotated[
        UTCDatetime | None,
        Query(description="Only claims with a stance stated at or after this time."),
        OnStance(lambda p: Stance.stated_at >= bindparam(p, type_=Stance.stated_at.type)),
    ] = None
    until: Annotated[
        UTCDatetime | None,
        Query(description="Only claims with a stance stated at or before this time."),
        OnStance(lambda p: Stance.stated_at <= bindparam(p, type_=Stance.stated_at.type)),
    ] = None
    sort: Annotated[
        ClaimSort | None,
        Query(
            description="`relevance` (default with `q`), `newest` (latest stance first), "
            "`stances` (most stances first) or `created` (default without `q`)."
        ),
    ] = None


class FilterShape(NamedTuple):
    """Which filters a query gives, which is all its statements depend on: the key of the
    statements built once (a NamedTuple: cheaper to build and hash than a dataclass)."""

    contested: bool | None
    given: tuple[str, ...]

    def conditions(self, claim_id: ClaimId) -> list[ColumnElement[bool]]:
        """The conditions of the filters given (values bound by name), on a claim's id and
        on claim_stats."""
        conditions: list[ColumnElement[bool]] = []
        if self.contested is not None:
            conditions.append(ClaimStats.contested.is_(self.contested))
        on_stance = filters_of(ClaimQuery, OnStance)
        stance = [on_stance[name].condition(name) for name in self.given if name in on_stance]
        if stance and set(self.given).isdisjoint(LISTING_FILTERS):
            # Only a side or label: every one is common, so each listed claim's stances are
            # probed through (claim_id, side, id) until the page is full. A scalar subquery,
            # which neither database turns into a join that reads every matching stance.
            on_claim_id = Stance.claim_id == claim_id
            current_one = select(Stance.id).where(on_claim_id, Stance.retracted_at.is_(None))
            conditions.append(current_one.where(*stance).limit(1).scalar_subquery().is_not(None))
        elif stance:
            current = select(Stance.claim_id).where(Stance.retracted_at.is_(None), *stance)
            conditions.append(claim_id.in_(current))
        on_claim = filters_of(ClaimQuery, OnClaim)
        conditions += [
            on_claim[name].condition(claim_id, name) for name in self.given if name in on_claim
        ]
        return conditions


# The fields that filter with a bound value, in the order of the query's fields.
_BOUND = tuple(
    f.name
    for f in fields(ClaimQuery)
    if f.name in filters_of(ClaimQuery, OnStance) or f.name in filters_of(ClaimQuery, OnClaim)
)


def claim_filters(query: ClaimQuery) -> tuple[FilterShape, dict[str, object]]:
    """The filters `query` gives, and their values as bound parameters named like them."""
    params = bound(query, _BOUND)
    return FilterShape(query.contested, tuple(params)), params
