"""The routes of every kind of owned link, built under the owner's router by one factory:
create and list at `/{owner_id}/{segment}`, read, change and delete at
`/{owner_id}/{segment}/{link_id}`. The functions below are written once, with type variables
for the kind's bodies; FastAPI reads each route's parameters from its function's annotations,
so each route gets its own copy of the function, annotated with the kind's own types and
documented with the kind's own words."""

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel

from app.http.deps import PagingDep, SessionDep, WriterDep
from app.http.problem_docs import problem_responses
from app.links import service
from app.links.kind import Edit, LinkKind, New, Out, Row
from app.schemas import Page
from app.vocabulary import LinkDirection

Endpoint = TypeVar("Endpoint", bound=Callable[..., Coroutine[Any, Any, Any]])


METHODS = {"create": "POST", "list": "GET", "get": "GET", "update": "PATCH", "delete": "DELETE"}
STATUS_CODES = {"create": status.HTTP_201_CREATED, "delete": status.HTTP_204_NO_CONTENT}


def _article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _link_id(link: BaseModel) -> uuid.UUID:
    """The id in a link's body (every kind's body has one; its type does not say so)."""
    ident: uuid.UUID = link.model_dump(include={"id"})["id"]
    return ident


def add_link_routes(router: APIRouter, kind: LinkKind[Row, New, Edit, Out]) -> None:
    """Add the five routes of `kind` to its owner's router, in the order the docs list them."""
    owner, link, docs = kind.owner.entity, kind.entity, kind.docs
    a_link, an_owner = _article(link), _article(owner)
    words = {
        "owner": owner,
        "link": link,
        "a_link": a_link,
        "links": kind.segment,
        "create": docs.create,
        "update": docs.update,
    }
    owner_id = Annotated[uuid.UUID, Path(alias=kind.owner.key, description=f"The {owner}'s id.")]
    link_id = Annotated[uuid.UUID, Path(alias=kind.link_param, description=f"The {link}'s id.")]
    direction = Annotated[
        LinkDirection,
        Query(
            description=f"`outgoing`: {docs.outgoing}; `incoming`: {docs.incoming}; `both`: either."
        ),
    ]
    base = f"/{{{kind.owner.key}}}/{kind.segment}"
    item = f"{base}/{{{kind.link_param}}}"

    # Each function's parameters as this kind's routes take them (FastAPI reads annotations).
    types = {
        "owner_id": owner_id,
        "link_id": link_id,
        "direction": direction,
        "link_kind": kind.kinds | None,
    }

    def add(
        verb: str,
        endpoint: Endpoint,
        summary: str,
        statuses: tuple[int, ...],
        response_model: object,
        body: object = None,
    ) -> None:
        annotations = endpoint.__annotations__
        annotations.update({name: t for name, t in types.items() if name in annotations})
        if body is not None:
            annotations["data"] = body
        operation = f"{verb}_{kind.name}{'s' if verb == 'list' else ''}"
        router.add_api_route(
            base if verb in ("create", "list") else item,
            endpoint,
            methods=[METHODS[verb]],
            status_code=STATUS_CODES.get(verb),
            name=operation,
            operation_id=operation,
            summary=summary,
            description=" ".join((endpoint.__doc__ or "").split()).format(**words),
            tags=[f"{link}s"],
            response_model=response_model,
            responses=problem_responses(*statuses),
        )

    async def create_link(
        owner_id: uuid.UUID,
        data: New,
        session: SessionDep,
        by: WriterDep,
        request: Request,
        response: Response,
    ) -> Out:
        """{create} The same link recorded again is a 409 naming the first; the answer's
        `Location` is the new {link}'s address."""
        created = await service.create(session, kind, owner_id, data, by=by)
        response.headers["Location"] = str(
            request.url_for(
                f"get_{kind.name}",
                **{kind.owner.key: str(owner_id), kind.link_param: str(_link_id(created))},
            )
        )
        return created

    async def list_links(
        owner_id: uuid.UUID,
        session: SessionDep,
        paging: PagingDep,
        direction: LinkDirection = LinkDirection.both,
        # `kind` names the kind's vocabulary only in the annotation the route is given below.
        link_kind: str | None = Query(None, alias="kind", description="Only this kind."),
    ) -> Page[Out]:
        """The {owner}'s {links} in creation order: those from it (`direction=outgoing`),
        those to it (`incoming`), or both (the default); optionally of one kind."""
        items, cursor = await service.list_links(
            session, kind, owner_id, paging.page, direction=direction, link_kind=link_kind
        )
        return paging.answer(items, cursor)

    async def get_link(owner_id: uuid.UUID, link_id: uuid.UUID, session: SessionDep) -> Out:
        """One {link} from or to this {owner}: each {link} is found under either of the
        records it links, as their lists show it."""
        return await service.get(session, kind, owner_id, link_id)

    async def update_link(
        owner_id: uuid.UUID, link_id: uuid.UUID, data: Edit, session: SessionDep
    ) -> Out:
        """{update} Only under the {owner} it is from; the records it links never change. A
        change making it the same as another {link} is a 409 naming that one."""
        return await service.update(session, kind, owner_id, link_id, data)

    async def delete_link(owner_id: uuid.UUID, link_id: uuid.UUID, session: SessionDep) -> None:
        """Delete {a_link}, only under the {owner} it is from. Both records stay."""
        await service.delete(session, kind, owner_id, link_id)

    one, page = kind.out_schema, Page.__class_getitem__(kind.out_schema)
    add("create", create_link, docs.create_summary, (404, 409, 422), one, kind.create_schema)
    add("list", list_links, f"List {an_owner}'s {kind.segment}", (404, 422), page)
    add("get", get_link, f"Get {a_link}", (404,), one)
    add("update", update_link, f"Update {a_link}", (404, 409, 422), one, kind.update_schema)
    add("delete", delete_link, f"Delete {a_link}", (404,), None)
