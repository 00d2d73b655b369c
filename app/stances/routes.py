"""HTTP endpoints for stances and the stance vocabulary."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.http.deps import PagingDep, SessionDep, WriterDep, from_query
from app.http.record_routes import RecordRoutes
from app.paths import StanceIdPath
from app.schemas import Page
from app.stances import service
from app.stances.filters import StanceQuery
from app.stances.schemas import StanceCreate, StanceOut, StanceUpdate

router = APIRouter(prefix="/v1/stances", tags=["stances"])
# Nothing refers to a stance, and nothing about one must be unique: no 409.
stances = RecordRoutes(router, "stance", "stances", "/{stance_id}", conflicts=False)


@stances.create("Record a stance")
async def create_stance(
    data: StanceCreate, session: SessionDep, by: WriterDep, request: Request, response: Response
) -> StanceOut:
    """Record that an actor, as recorded in a source, takes a stance on a claim. The side is
    derived from the label. An explicit probability must fall inside the label's band, and a
    quote must occur in the source's text when the source holds it (422 naming the field
    otherwise); the quote's position and context are stored."""
    stance = await service.create_stance(session, data, by=by)
    response.headers["Location"] = stances.location(request, stance.id)
    return stance


@stances.list("List stances", response_model=Page[StanceOut])
async def list_stances(
    query: Annotated[StanceQuery, Depends(from_query(StanceQuery))],
    session: SessionDep,
    paging: PagingDep,
) -> Response:
    """Stances in creation order, each with its actor, source and claim embedded, filtered by
    claim, actor, source, label, side or retraction."""
    items, cursor = await service.list_stances(session, paging.page, query)
    return paging.json(items, cursor)


@stances.get("Get a stance")
async def get_stance(stance_id: StanceIdPath, session: SessionDep) -> StanceOut:
    """One stance with its actor, source and claim embedded."""
    return await service.get_stance(session, stance_id)


@stances.update("Update a stance")
async def update_stance(
    stance_id: StanceIdPath, data: StanceUpdate, session: SessionDep, by: WriterDep
) -> StanceOut:
    """Change a stance's label, probability, confidence, quote or dates, or retract it by
    setting `retracted_at` (and `retraction_source_id`). The same checks as on creation apply."""
    return await service.update_stance(session, stance_id, data, by=by)


@stances.delete("Delete a stance")
async def delete_stance(stance_id: StanceIdPath, session: SessionDep) -> None:
    """Delete a stance recorded in error. To record that an actor withdrew a position, retract
    the stance instead (PATCH `retracted_at`)."""
    await service.delete_stance(session, stance_id)
