"""HTTP endpoints for sources and their citations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from app.errors import NotFound
from app.http.deps import PagingDep, SessionDep, WriterDep
from app.http.problem_docs import text_responses
from app.http.record_routes import RecordRoutes
from app.links.routes import add_link_routes
from app.paths import SourceIdPath
from app.schemas import Page
from app.sources import service
from app.sources.citations import CITATIONS
from app.sources.schemas import SourceCreate, SourceOut, SourceUpdate
from app.stances import service as stance_service
from app.stances.filters import StanceQuery
from app.stances.schemas import StanceOut
from app.vocabulary import SourceKind

router = APIRouter(prefix="/v1/sources", tags=["sources"])
sources = RecordRoutes(router, "source", "sources", "/{source_id}")


@sources.create("Create a source")
async def create_source(
    data: SourceCreate, session: SessionDep, by: WriterDep, request: Request, response: Response
) -> SourceOut:
    """Record a document in which positions are recorded: a news article, statement, press
    briefing, report, social post, transcript or fact-check. The URL is normalized and unique
    (a repeat is a 409 naming the existing source). When `text` is given its SHA-256 is stored
    as `content_hash`, and stances quoting this source are checked against it."""
    source = await service.create_source(session, data, by=by)
    response.headers["Location"] = sources.location(request, source.id)
    return source


@sources.list("List sources")
async def list_sources(
    session: SessionDep,
    paging: PagingDep,
    kind: Annotated[SourceKind | None, Query(description="Only sources of this kind.")] = None,
    publisher_id: Annotated[
        uuid.UUID | None, Query(description="Only sources this actor published.")
    ] = None,
    url: Annotated[
        str | None,
        Query(
            max_length=2048, description="The source with this URL (normalized before matching)."
        ),
    ] = None,
) -> Page[SourceOut]:
    """Sources in creation order, optionally filtered by kind, publisher or URL."""
    items, cursor = await service.list_sources(
        session, paging.page, kind=kind, publisher_id=publisher_id, url=url
    )
    return paging.answer(items, cursor)


@sources.get("Get a source")
async def get_source(source_id: SourceIdPath, session: SessionDep) -> SourceOut:
    """One source by id (without its text; see `/v1/sources/{source_id}/text`)."""
    return await service.get_source(session, source_id)


@router.get(
    "/{source_id}/text",
    operation_id="get_source_text",
    summary="Get a source's text",
    response_class=PlainTextResponse,
    responses=text_responses("The full text.", 404),
)
async def get_source_text(source_id: SourceIdPath, session: SessionDep) -> PlainTextResponse:
    """The full text held for a source, as `text/plain`; 404 when none is held. Stance quote
    spans (`quote_span.start`/`end`) index into this text, in characters."""
    text = await service.get_source_text(session, source_id)
    if text is None:
        raise NotFound("source text", source_id)
    return PlainTextResponse(text)


@sources.update("Update a source")
async def update_source(
    source_id: SourceIdPath, data: SourceUpdate, session: SessionDep, by: WriterDep
) -> SourceOut:
    """Change some of a source's fields. A new `text` must still contain every quote that
    stances take from this source (409 otherwise); their spans move to the new text."""
    return await service.update_source(session, source_id, data, by=by)


@sources.delete("Delete a source")
async def delete_source(source_id: SourceIdPath, session: SessionDep) -> None:
    """Delete a source. Refused with 409 while stances refer to it or other sources cite it;
    its own citations go with it."""
    await service.delete_source(session, source_id)


add_link_routes(router, CITATIONS)


@sources.about(
    "/stances", "list_source_stances", "Everything a source records", response_model=Page[StanceOut]
)
async def list_source_stances(
    source_id: SourceIdPath,
    session: SessionDep,
    paging: PagingDep,
) -> Response:
    """Every stance recorded in this source (retracted ones included), with actor, claim and
    quote embedded."""
    await service.get_source(session, source_id)
    items, cursor = await stance_service.list_stances(
        session, paging.page, StanceQuery(source_id=source_id)
    )
    return paging.json(items, cursor)
