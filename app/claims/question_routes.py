"""HTTP endpoints for the questions asked of one claim: who asserts it, who disputes it, how
the sides roll up, how positions moved over time, on what evidence, and what it relates to."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.claims import provenance, queries, sides
from app.claims.answers import (
    ClaimStanceOut,
    ProvenanceOut,
    RelatedClaimOut,
    SidesOut,
    TimelineEntry,
)
from app.http.deps import PagingDep, SessionDep, from_query
from app.http.record_routes import RecordRoutes
from app.paths import ActorFilter, AsOf, ClaimIdPath
from app.schemas import Page
from app.vocabulary import ClaimRelationKind, GroupBy

router = APIRouter(prefix="/v1/claims", tags=["claims"])
claims = RecordRoutes(router, "claim", "claims", "/{claim_id}")


@claims.about(
    "/stances",
    "list_claim_stances",
    "Who asserts or disputes a claim",
    response_model=Page[ClaimStanceOut],
)
async def list_claim_stances(
    claim_id: ClaimIdPath,
    query: Annotated[queries.ClaimStanceQuery, Depends(from_query(queries.ClaimStanceQuery))],
    session: SessionDep,
    paging: PagingDep,
) -> Response:
    """The stances on a claim, each with its actor, source (and publisher) and verbatim quote:
    who asserted it (`side=support`), who disputes it (`side=dispute`), who only relays it
    (`side=neutral`)."""
    items, cursor = await queries.claim_stances(session, claim_id, paging.page, query)
    return paging.json(items, cursor)


@claims.about("/sides", "get_claim_sides", "Sides of a claim, rolled up")
async def get_claim_sides(
    claim_id: ClaimIdPath,
    session: SessionDep,
    group_by: Annotated[
        GroupBy,
        Query(
            description="`actor`: each actor; `organization`: the top organization each actor "
            "belonged to when it took its stance (following affiliations); `country`: the "
            "actor's country, else its organization's."
        ),
    ] = GroupBy.actor,
    as_of: AsOf = None,
) -> SidesOut:
    """For each side of a claim, the groups of actors on it and their stances by label."""
    return await sides.claim_sides(session, claim_id, group_by=group_by, as_of=as_of)


@claims.about("/timeline", "get_claim_timeline", "How positions on a claim moved over time")
async def get_claim_timeline(
    claim_id: ClaimIdPath,
    session: SessionDep,
    paging: PagingDep,
    actor_id: ActorFilter = None,
) -> Page[TimelineEntry]:
    """The claim's stances in the order they were said (retracted ones included), each marked
    `position_changed` when its actor held a different label before."""
    items, cursor = await queries.claim_timeline(session, claim_id, paging.page, actor_id=actor_id)
    return paging.answer(items, cursor)


@claims.about(
    "/provenance",
    "get_claim_provenance",
    "The evidence behind each side of a claim",
    problems=(404,),
)
async def get_claim_provenance(claim_id: ClaimIdPath, session: SessionDep) -> ProvenanceOut:
    """For each side, the sources behind its stances, their citation chains back to primary
    sources, and the number of independent origins: stances whose sources all derive from one
    primary source count once, so syndicated copies and circular reporting are not
    corroboration."""
    return await provenance.claim_provenance(session, claim_id)


@claims.about("/related", "list_related_claims", "Claims related to a claim")
async def list_related_claims(
    claim_id: ClaimIdPath,
    session: SessionDep,
    paging: PagingDep,
    relation: Annotated[
        ClaimRelationKind | None, Query(description="Only relations of this kind.")
    ] = None,
) -> Page[RelatedClaimOut]:
    """Claims that this one contradicts, supports, refines or duplicates, and those that do so
    to it, with their stance counts."""
    items, cursor = await queries.related_claims(session, claim_id, paging.page, relation=relation)
    return paging.answer(items, cursor)
