"""The declarations that the endpoints of every record type (actors, sources, claims, stances)
share: create at the collection, list it, get, update or delete one record by id, and ask
what is known about one record.

Each record type answers these five operations alike: the same operation ids (`create_actor`,
`list_actors`, `get_actor`, ...), the same success statuses and the same problem statuses, so
they are declared once here; the routes keep their own parameters, docstrings and bodies.
"""

from collections.abc import Callable

from fastapi import APIRouter, Request, status
from fastapi.datastructures import Default
from fastapi.types import DecoratedCallable

from app.http.problem_docs import problem_responses

# FastAPI's own default: the response model is the endpoint's return annotation.
FROM_ANNOTATION: object = Default(None)


class RecordRoutes:
    """Route decorators for one record type on its router: `noun` names it in operation ids
    (`actor`), `plural` names the collection (`actors`), `item` is the path of one record
    (`/{actor_id}`). `conflicts` says whether creating, updating or deleting may answer 409
    (a duplicate, or a record others still refer to)."""

    def __init__(
        self, router: APIRouter, noun: str, plural: str, item: str, *, conflicts: bool = True
    ) -> None:
        self.router = router
        self.noun = noun
        self.plural = plural
        self.item = item
        self.conflicts = conflicts

    def location(self, request: Request, ident: object) -> str:
        """The address of one record (its `get` route): the `Location` of one just created."""
        return str(request.url_for(f"get_{self.noun}", **{f"{self.noun}_id": ident}))

    def _declare(
        self,
        method: str,
        path: str,
        operation_id: str,
        summary: str,
        problems: tuple[int, ...],
        response_model: object = FROM_ANNOTATION,
        status_code: int | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        if not self.conflicts:
            problems = tuple(code for code in problems if code != 409)
        return self.router.api_route(
            path,
            methods=[method],
            status_code=status_code,
            operation_id=operation_id,
            summary=summary,
            responses=problem_responses(*problems),
            response_model=response_model,
        )

    def create(
        self, summary: str, response_model: object = FROM_ANNOTATION
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """POST on the collection: 201, or 409 for a duplicate and 422 for invalid input."""
        return self._declare(
            "POST",
            "",
            f"create_{self.noun}",
            summary,
            (409, 422),
            response_model,
            status.HTTP_201_CREATED,
        )

    def list(
        self, summary: str, response_model: object = FROM_ANNOTATION
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """GET on the collection: a page, or 422 for an invalid filter or cursor."""
        return self._declare("GET", "", f"list_{self.plural}", summary, (422,), response_model)

    def get(
        self, summary: str, response_model: object = FROM_ANNOTATION
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """GET on one record: the record, or 404."""
        return self._declare("GET", self.item, f"get_{self.noun}", summary, (404,), response_model)

    def update(
        self, summary: str, response_model: object = FROM_ANNOTATION
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """PATCH on one record: the changed record, or 404, 409 or 422."""
        return self._declare(
            "PATCH", self.item, f"update_{self.noun}", summary, (404, 409, 422), response_model
        )

    def about(
        self,
        segment: str,
        operation_id: str,
        summary: str,
        response_model: object = FROM_ANNOTATION,
        problems: tuple[int, ...] = (404, 422),
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """GET on what is known about one record (`segment` is a path below it, `/stances`):
        the answer, 404 for an unknown record, 422 for an invalid query parameter."""
        return self._declare(
            "GET", self.item + segment, operation_id, summary, problems, response_model
        )

    def delete(self, summary: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """DELETE on one record: 204, or 404, or 409 while others still refer to it."""
        return self._declare(
            "DELETE",
            self.item,
            f"delete_{self.noun}",
            summary,
            (404, 409),
            status_code=status.HTTP_204_NO_CONTENT,
        )
