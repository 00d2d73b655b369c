"""The explorer's pages: thin routes that check access, gather one page's data through the
API's own queries, and render it. Left out of the OpenAPI document: the JSON API is the
contract, these pages are a view of it.

Path and query values arrive as plain strings and are parsed here, so that a malformed id or
date is answered with a page (404 or 422), not with the API's problem+json."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.errors import DomainError, InvalidField, NotFound
from app.explore import access
from app.explore.claim_page import claim_page
from app.explore.pages import actor_page, source_page, start_page
from app.explore.rendering import error_page, render
from app.http.deps import SessionDep

router = APIRouter(prefix="/explore", include_in_schema=False)
MAX_Q = 400  # as the API's `q`


def parse_id(value: str, entity: str) -> uuid.UUID:
    """The id in a page's path; a malformed one names no record (404)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(entity, value) from None


def parse_as_of(value: str | None) -> datetime | None:
    """`as_of` from the date picker (a day, read as its end in UTC) or an ISO 8601 time."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(datetime.fromisoformat(value).date(), time.max, UTC)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidField(
            "as_of", "must be a date (YYYY-MM-DD) or an ISO 8601 time", location="query"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def serve(
    request: Request,
    template: str,
    gather: Callable[[], Awaitable[dict[str, Any]]],
    status: int = 200,
) -> Response:
    """The page: the read rules first, then its data, or an error page for a domain error
    (unknown or deleted id, invalid parameter)."""
    carried = Response()
    denied = await access.check_access(request, carried)
    if denied is not None:
        return denied
    try:
        context = await gather()
    except DomainError as exc:
        return error_page(request, exc.status, exc.title, exc.detail, exc.headers)
    return render(request, template, context, status=status, carried=carried)


@router.get("")
async def explore(request: Request, session: SessionDep, q: str | None = None) -> Response:
    """Search claims; the most contested claims; the latest changes."""
    text = (q or "").strip() or None

    async def gather() -> dict[str, Any]:
        if text is not None and len(text) > MAX_Q:
            raise InvalidField("q", f"at most {MAX_Q} characters", location="query")
        return {"page": await start_page(session, text)}

    return await serve(request, "start.html", gather)


@router.get("/claims/{claim_id}")
async def claim(
    request: Request, session: SessionDep, claim_id: str, as_of: str | None = None
) -> Response:
    """A claim: its sides, stances, timeline, provenance and related claims."""

    async def gather() -> dict[str, Any]:
        ident = parse_id(claim_id, "claim")
        return {"page": await claim_page(session, ident, parse_as_of(as_of))}

    return await serve(request, "claim.html", gather)


@router.get("/actors/{actor_id}")
async def actor(request: Request, session: SessionDep, actor_id: str) -> Response:
    """An actor: what it asserted, hedged and denied; its affiliations; its opponents."""

    async def gather() -> dict[str, Any]:
        return {"page": await actor_page(session, parse_id(actor_id, "actor"))}

    return await serve(request, "actor.html", gather)


@router.get("/sources/{source_id}")
async def source(request: Request, session: SessionDep, source_id: str) -> Response:
    """A source: its text with every quoted passage marked, and the stances it records."""

    async def gather() -> dict[str, Any]:
        return {"page": await source_page(session, parse_id(source_id, "source"))}

    return await serve(request, "source.html", gather)


@router.post("/key")
async def take_key(request: Request) -> Response:
    """The key form's post: keep the key in the cookie."""
    return await access.take_key(request)


@router.post("/key/forget")
async def drop_key(request: Request) -> Response:
    """Forget the kept key."""
    return await access.drop_key(request)


@router.get("/{rest:path}")
async def unknown(request: Request, rest: str) -> Response:
    """Any other path under /explore: a page saying so, not the API's JSON."""
    if rest == "":
        return RedirectResponse("/explore", status_code=308)
    return error_page(request, 404, "Not found", "There is no such page in the explorer.")


STATIC_URL = "/explore/static"


def install_explore(app: FastAPI) -> None:
    """Serve the explorer's pages and its stylesheet and script (from the installed package,
    never from another site)."""
    app.mount(STATIC_URL, StaticFiles(packages=[("app.explore", "static")]), name="explore-static")
    app.include_router(router)
