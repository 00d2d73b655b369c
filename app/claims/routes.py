"""HTTP endpoints for claims and their relations."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from app.claims import search, service, similar
from app.claims.answers import ClaimListItem
from app.claims.relations import CLAIM_RELATIONS
from app.claims.schemas import ClaimCreate, ClaimDetail, ClaimUpdate
from app.http.deps import PagingDep, SessionDep, WriterDep, from_query
from app.http.record_routes import RecordRoutes
from app.http.rendering import json_record
from app.links.routes import add_link_routes
from app.paths import ClaimIdPath
from app.schemas import Page

router = APIRouter(prefix="/v1/claims", tags=["claims"])
claims = RecordRoutes(router, "claim", "claims", "/{claim_id}")


@claims.create("Create a claim", response_model=ClaimDetail)
async def create_claim(
    data: ClaimCreate, session: SessionDep, by: WriterDep, request: Request, response: Response
) -> Response:
    """Record a proposition that can be true or false, stated once and canonically. A statement
    already recorded (ignoring case and spacing) is a 409 naming the existing claim. A close one
    (worded otherwise) is not refused, but named in the `Link` header, so that clients can
    merge: `<…/v1/claims/{id}>; rel="related"; score="0.87"` for each existing claim scoring at
    least 0.6 (see `GET /v1/claims/similar`). The answer is the claim as `GET` shows it (with
    its empty summary), and carries its ETag."""
    detail, close = await similar.create_claim(session, data, by=by)
    response.headers["Location"] = claims.location(request, detail["id"])
    if (links := similar.similar_links(request, close)) is not None:
        response.headers["Link"] = links
    return json_record(detail, response, status.HTTP_201_CREATED)


@claims.list("Search and filter claims", response_model=Page[ClaimListItem])
async def list_claims(
    query: Annotated[search.ClaimQuery, Depends(from_query(search.ClaimQuery))],
    session: SessionDep,
    paging: PagingDep,
) -> Response:
    """Search and filter claims. Stance filters (`actor_id`, `side`, `label`, `since`, `until`)
    must all hold for one current stance. `contested=true&sort=stances` lists the most debated
    claims."""
    items, cursor = await search.search_claims(session, paging.page, query)
    return paging.json(items, cursor)


@claims.get("Get a claim and its summary", response_model=ClaimDetail)
async def get_claim(claim_id: ClaimIdPath, session: SessionDep, response: Response) -> Response:
    """One claim with its summary: stance counts by side and by label, distinct actors per
    side, whether it is contested (both supporters and disputers), and the first and latest
    stance dates. Retracted stances are counted apart."""
    return json_record(await service.get_claim(session, claim_id), response)


@claims.update("Update a claim", response_model=ClaimDetail)
async def update_claim(
    claim_id: ClaimIdPath, data: ClaimUpdate, session: SessionDep, by: WriterDep, response: Response
) -> Response:
    """Change some of a claim's fields; `tags` and `about_actor_ids`, when given, replace the
    old lists. The answer is the claim as `GET` shows it, with its summary."""
    await service.update_claim(session, claim_id, data, by=by)
    return json_record(await service.get_claim(session, claim_id), response)


@claims.delete("Delete a claim")
async def delete_claim(claim_id: ClaimIdPath, session: SessionDep) -> None:
    """Delete a claim. Refused with 409 while stances or other claims' relations refer to it;
    its own relations go with it."""
    await service.delete_claim(session, claim_id)


add_link_routes(router, CLAIM_RELATIONS)
