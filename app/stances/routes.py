"""HTTP endpoints for stances and the stance vocabulary."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.http.deps import PageDep, SessionDep, WriterDep
from app.http.problem_docs import problem_responses
from app.http.rendering import json_page
from app.paths import StanceIdPath
from app.schemas import Page
from app.stances import service
from app.stances.filters import StanceQuery
from app.stances.schemas import StanceCreate, StanceOut, StanceUpdate
from app.vocabulary import StanceLabel, StanceSide

router = APIRouter(prefix="/v1/stances", tags=["stances"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_stance",
    summary="Record a stance",
    responses=problem_responses(422),
)
async def create_stance(
    data: StanceCreate, session: SessionDep, by: WriterDep, request: Request, response: Response
) -> StanceOut:
    """Record that an actor, as recorded in a source, takes a stance on a claim. The side is
    derived from the label. An explicit probability must fall inside the label's band, and a
    quote must occur in the source's text when the source holds it (422 naming the field
    otherwise); the quote's position and context are stored."""
    stance = await service.create_stance(session, data, by=by)
    response.headers["Location"] = str(request.url_for("get_stance", stance_id=stance.id))
    return stance


@router.get(
    "",
    operation_id="list_stances",
    summary="List stances",
    response_model=Page[StanceOut],
    responses=problem_responses(422),
)
async def list_stances(
    session: SessionDep,
    page: PageDep,
    request: Request,
    response: Response,
    claim_id: Annotated[uuid.UUID | None, Query(description="Only stances on this claim.")] = None,
    actor_id: Annotated[uuid.UUID | None, Query(description="Only stances by this actor.")] = None,
    source_id: Annotated[
        uuid.UUID | None, Query(description="Only stances recorded in this source.")
    ] = None,
    label: Annotated[StanceLabel | None, Query(description="Only stances with this label.")] = None,
    side: Annotated[
        StanceSide | None,
        Query(
            description="Only stances on this side: `support` (who asserts "
            "it), `dispute` (who disputes it) or `neutral`."
        ),
    ] = None,
    retracted: Annotated[
        bool | None, Query(description="`true`: only retracted stances; `false`: only current.")
    ] = None,
) -> Response:
    """Stances in creation order, each with its actor, source and claim embedded, filtered by
    claim, actor, source, label, side or retraction."""
    query = StanceQuery(
        claim_id=claim_id,
        actor_id=actor_id,
        source_id=source_id,
        label=label,
        side=side,
        retracted=retracted,
    )
    items, cursor = await service.list_stances(session, page, query)
    return json_page(items, cursor, request, response)


@router.get(
    "/{stance_id}",
    operation_id="get_stance",
    summary="Get a stance",
    responses=problem_responses(404),
)
async def get_stance(stance_id: StanceIdPath, session: SessionDep) -> StanceOut:
    """One stance with its actor, source and claim embedded."""
    return await service.get_stance(session, stance_id)


@router.patch(
    "/{stance_id}",
    operation_id="update_stance",
    summary="Update a stance",
    responses=problem_responses(404, 422),
)
async def update_stance(
    stance_id: StanceIdPath, data: StanceUpdate, session: SessionDep, by: WriterDep
) -> StanceOut:
    """Change a stance's label, probability, confidence, quote or dates, or retract it by
    setting `retracted_at` (and `retraction_source_id`). The same checks as on creation apply."""
    return await service.update_stance(session, stance_id, data, by=by)


@router.delete(
    "/{stance_id}",
    status_code=204,
    operation_id="delete_stance",
    summary="Delete a stance",
    responses=problem_responses(404),
)
async def delete_stance(stance_id: StanceIdPath, session: SessionDep) -> None:
    """Delete a stance recorded in error. To record that an actor withdrew a position, retract
    the stance instead (PATCH `retracted_at`)."""
    await service.delete_stance(session, stance_id)
