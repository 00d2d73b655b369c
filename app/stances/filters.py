"""The filters of the stance list (`GET /v1/stances`, and the actor's and source's stances):
the query's parameters as one typed object, and the statement they select."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from sqlalchemy import Integer, Uuid, bindparam

from app.db.filters import Where, bound, conditions, filters_of
from app.db.paging import PageParams
from app.db.statements import Statement, built_once
from app.models import Stance
from app.stances.rows import select_stances
from app.vocabulary import StanceLabel, StanceSide

ALL_STANCES = select_stances()


# Not frozen, as `app.claims.filters.ClaimQuery`: cheaper to build for each request. Built
# from the query string (`app.http.deps.from_query`): each field is a query parameter, its
# description and its SQL condition declared together.
@dataclass(slots=True, kw_only=True)
class StanceQuery:
    """The stance list's filters, in the order they are applied; None: not filtered."""

    claim_id: Annotated[
        uuid.UUID | None,
        Query(description="Only stances on this claim."),
        Where(lambda p: Stance.claim_id == bindparam(p)),
    ] = None
    actor_id: Annotated[
        uuid.UUID | None,
        Query(description="Only stances by this actor."),
        Where(lambda p: Stance.actor_id == bindparam(p)),
    ] = None
    source_id: Annotated[
        uuid.UUID | None,
        Query(description="Only stances recorded in this source."),
        Where(lambda p: Stance.source_id == bindparam(p)),
    ] = None
    label: Annotated[
        StanceLabel | None,
        Query(description="Only stances with this label."),
        Where(lambda p: Stance.label == bindparam(p)),
    ] = None
    side: Annotated[
        StanceSide | None,
        Query(
            description="Only stances on this side: `support` (who asserts "
            "it), `dispute` (who disputes it) or `neutral`."
        ),
        Where(lambda p: Stance.side == bindparam(p)),
    ] = None
    # A condition without a value.
    retracted: Annotated[
        bool | None, Query(description="`true`: only retracted stances; `false`: only current.")
    ] = None


def stance_list(query: StanceQuery, page: PageParams) -> tuple[Statement, dict[str, object]]:
    """The statement of one page of stances in creation order (a row more than the page, to
    tell whether another follows), and its bound parameters."""
    params = bound(query, filters_of(StanceQuery, Where))
    after = page.after
    stmt = _list_statement(tuple(params), query.retracted, after is not None)
    params["limit"] = page.limit + 1
    if after is not None:
        params["after"] = after
    return stmt, params


@built_once
def _list_statement(given: tuple[str, ...], retracted: bool | None, after: bool) -> Statement:
    """One statement per combination of filters given, built once with bound parameters
    (building the joined SELECT and its cache key on every request cost more than running
    it)."""
    stmt = ALL_STANCES.where(*conditions(StanceQuery, given))
    if retracted is not None:
        stmt = stmt.where(
            Stance.retracted_at.is_not(None) if retracted else Stance.retracted_at.is_(None)
        )
    if after:
        stmt = stmt.where(Stance.id > bindparam("after", type_=Uuid))
    return stmt.order_by(Stance.id).limit(bindparam("limit", type_=Integer))
