"""HTTP endpoints for actors and their affiliations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.actors import queries, service
from app.actors.affiliations import AFFILIATIONS
from app.actors.queries import DisagreementOut
from app.actors.schemas import ActorCreate, ActorOut, ActorUpdate
from app.http.deps import PagingDep, SessionDep, WriterDep
from app.http.record_routes import RecordRoutes
from app.links.routes import add_link_routes
from app.models import Actor
from app.paths import ActorIdPath, LabelFilter
from app.records import load
from app.schemas import CountryCode, Page
from app.stances import service as stance_service
from app.stances.filters import StanceQuery
from app.stances.schemas import StanceOut
from app.vocabulary import ActorKind, StanceSide

router = APIRouter(prefix="/v1/actors", tags=["actors"])
actors = RecordRoutes(router, "actor", "actors", "/{actor_id}")


@actors.create("Create an actor")
async def create_actor(
    data: ActorCreate, session: SessionDep, by: WriterDep, response: Response, request: Request
) -> ActorOut:
    """Record a person, organization, government, agency, military unit, media outlet,
    fact-checker or unnamed group that can hold positions on claims.
    (`kind`, `name`) and each external id are unique: a repeat is a 409 naming the existing actor.
    """
    actor = await service.create_actor(session, data, by=by)
    response.headers["Location"] = actors.location(request, actor.id)
    return actor


@actors.list("List actors")
async def list_actors(
    session: SessionDep,
    paging: PagingDep,
    kind: Annotated[ActorKind | None, Query(description="Only actors of this kind.")] = None,
    country: Annotated[
        CountryCode | None, Query(description="Only actors of this country.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=400,
            description="Actors with a word of their name or of an alias starting with this "
            "(case-insensitive), e.g. `kim`, `ortega` or `yong-hyun`.",
        ),
    ] = None,
    name_prefix: Annotated[
        str | None,
        Query(
            max_length=400,
            description="Only actors whose name starts with this (case-insensitive).",
        ),
    ] = None,
) -> Page[ActorOut]:
    """Actors in creation order, optionally filtered by kind, country and name prefix."""
    items, cursor = await service.list_actors(
        session, paging.page, kind=kind, country=country, name_prefix=name_prefix, q=q
    )
    return paging.answer(items, cursor)


@actors.get("Get an actor")
async def get_actor(actor_id: ActorIdPath, session: SessionDep) -> ActorOut:
    """One actor by id."""
    return await service.get_actor(session, actor_id)


@actors.update("Update an actor")
async def update_actor(
    actor_id: ActorIdPath, data: ActorUpdate, session: SessionDep, by: WriterDep
) -> ActorOut:
    """Change some of an actor's fields; `aliases` and `external_ids`, when given, replace
    the whole list or map."""
    return await service.update_actor(session, actor_id, data, by=by)


@actors.delete("Delete an actor")
async def delete_actor(actor_id: ActorIdPath, session: SessionDep) -> None:
    """Delete an actor. Refused with 409 while stances, sources, claims or other actors'
    affiliations still refer to it; its own affiliations, aliases and external ids go with it."""
    await service.delete_actor(session, actor_id)


add_link_routes(router, AFFILIATIONS)


@actors.about(
    "/stances",
    "list_actor_stances",
    "What an actor asserted, denied or hedged",
    response_model=Page[StanceOut],
)
async def list_actor_stances(
    actor_id: ActorIdPath,
    session: SessionDep,
    paging: PagingDep,
    side: Annotated[
        StanceSide | None,
        Query(
            description="`support`: what it asserted; `dispute`: what it denied or doubted; "
            "`neutral`: what it hedged or relayed."
        ),
    ] = None,
    label: LabelFilter = None,
    include_retracted: Annotated[
        bool, Query(description="Also list stances the actor retracted.")
    ] = False,
) -> Response:
    """The actor's stances, each with its claim, source and quote embedded."""
    items, cursor = await stance_service.list_stances(
        session,
        paging.page,
        StanceQuery(
            actor_id=actor_id,
            side=side,
            label=label,
            retracted=None if include_retracted else False,
        ),
    )
    if not items:  # only an empty page asks whether the actor exists
        await load(session, Actor, actor_id, "actor")
    return paging.json(items, cursor)


@actors.about(
    "/disagreements", "list_actor_disagreements", "Claims on which two actors take opposite sides"
)
async def list_actor_disagreements(
    actor_id: ActorIdPath,
    with_actor_id: Annotated[uuid.UUID, Query(description="The other actor.")],
    session: SessionDep,
    paging: PagingDep,
) -> Page[DisagreementOut]:
    """Claims that one actor supports and the other disputes (or the reverse), with both
    actors' current stances on each."""
    items, cursor = await queries.disagreements(session, actor_id, with_actor_id, paging.page)
    return paging.answer(items, cursor)
