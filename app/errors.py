"""Domain exceptions and their one rendering: RFC 9457 problem details (problem+json)."""

import logging
import re
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db.engines import unavailable

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER = "2"  # seconds a client should wait before retrying a 503
# Errors asyncpg may raise without SQLAlchemy wrapping them (while connecting).
ASYNCPG_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # on a connection its server closed meanwhile
)
log = logging.getLogger("claimgraph.errors")


class FieldError(BaseModel):
    """One invalid input, named by where it was found."""

    field: str = Field(description="Dotted path of the offending input, e.g. `probability`.")
    location: str = Field(description="Where the input was: `body`, `query`, `path` or `header`.")
    message: str = Field(description="What is wrong with it.")
    type: str = Field(description="A stable code for the kind of error.")
    line: int | None = Field(
        default=None, description="For a bulk import: the line of the input (from 1)."
    )


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI reference naming the kind of problem; stable per error.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong in this case.")
    instance: str | None = Field(default=None, description="The request path that failed.")
    errors: list[FieldError] | None = Field(
        default=None, description="For invalid input: every offending field."
    )


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


class DomainError(Exception):
    """Base of every error a service raises on purpose; rendered as problem+json."""

    status: int = 400
    type: str = "bad-request"
    title: str = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    type = "not-found"
    title = "Not found"

    def __init__(self, entity: str, ident: object) -> None:
        super().__init__(f"no {entity} with id {ident}")
        self.type = f"unknown-{entity.replace(' ', '-')}"
        self.title = f"Unknown {entity}"


class InvalidField(DomainError):
    """Input that parses but is wrong given the data: the field is named."""

    status = 422
    type = "invalid-field"
    title = "Invalid field"

    def __init__(
        self, field: str, message: str, *, type: str | None = None, location: str = "body"
    ) -> None:
        super().__init__(f"{field}: {message}")
        if type is not None:
            self.type = type
        self.errors = [FieldError(field=field, location=location, message=message, type=self.type)]


class UnknownReference(InvalidField):
    """A body field names an id that does not exist."""

    def __init__(self, field: str, entity: str, ident: object) -> None:
        super().__init__(field, f"no {entity} with id {ident}", type="unknown-reference")


class Conflict(DomainError):
    status = 409
    type = "conflict"
    title = "Conflict"


class Duplicate(Conflict):
    type = "duplicate"
    title = "Already exists"


class UnsupportedMediaType(DomainError):
    status = 415
    type = "unsupported-media-type"
    title = "Unsupported media type"


class StillReferenced(Conflict):
    type = "still-referenced"
    title = "Still referenced"


def _problem(
    request: Request, status: int, slug: str, title: str, detail: str | None, **extra: Any
) -> JSONResponse:
    body = Problem(
        type=problem_type(slug),
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        **extra,
    )
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_name(loc: tuple[Any, ...]) -> tuple[str, str]:
    where = str(loc[0]) if loc else "body"
    rest = [str(part) for part in loc[1:]]
    return ".".join(rest) or where, where


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    extra = dict(exc.extra)
    errors = getattr(exc, "errors", None)
    if errors is not None:
        extra["errors"] = errors
    response = _problem(request, exc.status, exc.type, exc.title, exc.detail, **extra)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        field, where = _field_name(tuple(err.get("loc", ())))
        errors.append(FieldError(field=field, location=where, message=err["msg"], type=err["type"]))
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return _problem(request, 422, "invalid-request", "Invalid request", detail, errors=errors)


def _allowed_methods(request: Request) -> str | None:
    """Every method the OpenAPI document lists for the request's path (routes are matched
    one method at a time, so the router alone names only the first)."""
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    for template, operations in paths.items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            return ", ".join(sorted(m.upper() for m in operations))
    return None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # a body that cannot be read as JSON: invalid input, like any
        return _problem(
            request, 422, "invalid-request", "Invalid request", "the body is not valid JSON"
        )
    slugs = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}
    slug = slugs.get(exc.status_code, f"http-{exc.status_code}")
    response = _problem(request, exc.status_code, slug, str(exc.detail), None)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        response.headers["Allow"] = allowed
    return response


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness and references first; this catches what a concurrent
    # writer slipped in between the check and the commit.
    log.info("integrity error: %s", exc)
    return _problem(
        request,
        409,
        "integrity-conflict",
        "Conflict",
        "the change conflicts with data written concurrently; retry the request",
    )


async def _stale_write(request: Request, exc: Exception) -> JSONResponse:
    # The record changed between this request's read and its write: the UPDATE or DELETE,
    # conditional on the version read, touched nothing.
    return _problem(
        request,
        412,
        "precondition-failed",
        "Precondition failed",
        "the record was changed by another request meanwhile; fetch it again and retry",
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DataError):  # a value the database cannot store: the client's input
        log.info("data error: %s", exc)
        return _problem(
            request, 422, "invalid-data", "Invalid data", "a value in the request cannot be stored"
        )
    why = unavailable(exc)
    if why is None:
        return await _unexpected(request, exc)
    log.warning("%s: %s: %s", why, type(exc).__name__, exc)
    return unavailable_problem(request.url.path, why)


UNAVAILABLE = {
    "database-unavailable": (
        "Database unavailable",
        "the database could not complete the request; retry shortly",
    ),
    "statement-timeout": (
        "Statement timeout",
        "the database took too long to answer and the request was cancelled; retry shortly",
    ),
}


def unavailable_problem(path: str, why: str) -> JSONResponse:
    """503 with Retry-After: the database is away or too slow; the client may retry."""
    title, detail = UNAVAILABLE[why]
    body = Problem(type=problem_type(why), title=title, status=503, detail=detail, instance=path)
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=503,
        media_type=PROBLEM_JSON,
        headers={"Retry-After": RETRY_AFTER},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    why = unavailable(exc)
    if why is not None:
        log.warning("%s: %s: %s", why, type(exc).__name__, exc)
        return unavailable_problem(request.url.path, why)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _problem(
        request, 500, "internal-error", "Internal server error", "an unexpected error occurred"
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StaleDataError, _stale_write)
    for database_error in (DBAPIError, SQLAlchemyTimeoutError, OSError, *ASYNCPG_ERRORS):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(Exception, _unexpected)


_CLAIM_ID = "01a2137e-9db1-72f6-a15b-7a124895f0e2"
# Real answers of the service on the worked example, shown in the docs beside each status.
PROBLEM_EXAMPLES: dict[int, dict[str, dict[str, Any]]] = {
    404: {
        "unknown-id": {
            "summary": "An id that names no record (here a claim)",
            "value": {
                "type": "/problems/unknown-claim",
                "title": "Unknown claim",
                "status": 404,
                "detail": "no claim with id 0190c3d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
                "instance": "/v1/claims/0190c3d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
            },
        }
    },
    409: {
        "duplicate": {
            "summary": "A claim already recorded (ignoring case and spacing)",
            "value": {
                "type": "/problems/duplicate",
                "title": "Already exists",
                "status": 409,
                "detail": "a claim with this statement exists",
                "instance": "/v1/claims",
                "existing_id": _CLAIM_ID,
            },
        },
        "still-referenced": {
            "summary": "Deleting a record others still refer to",
            "value": {
                "type": "/problems/still-referenced",
                "title": "Still referenced",
                "status": 409,
                "detail": "actor 01a2137e-9ceb-71ab-9853-a9415e6173c7 is still referenced by 2 "
                "stances; delete or re-point those first",
                "instance": "/v1/actors/01a2137e-9ceb-71ab-9853-a9415e6173c7",
                "references": {"stances": 2},
            },
        },
    },
    422: {
        "invalid-request": {
            "summary": "Input that does not parse: every offending field is named",
            "value": {
                "type": "/problems/invalid-request",
                "title": "Invalid request",
                "status": 422,
                "detail": "limit: Input should be greater than or equal to 1; side: Input should "
                "be 'support', 'neutral' or 'dispute'",
                "instance": "/v1/stances",
                "errors": [
                    {
                        "field": "limit",
                        "location": "query",
                        "message": "Input should be greater than or equal to 1",
                        "type": "greater_than_equal",
                    },
                    {
                        "field": "side",
                        "location": "query",
                        "message": "Input should be 'support', 'neutral' or 'dispute'",
                        "type": "enum",
                    },
                ],
            },
        },
        "probability-outside-band": {
            "summary": "Input that parses but does not fit the data",
            "value": {
                "type": "/problems/probability-outside-band",
                "title": "Invalid field",
                "status": 422,
                "detail": "probability: 0.5 is outside the band of 'denied' (0.00-0.05); pick "
                "the label whose band holds it or omit it",
                "instance": "/v1/stances/01a2137e-9ff2-702e-a3bc-c3a194cb31b2",
                "errors": [
                    {
                        "field": "probability",
                        "location": "body",
                        "message": "0.5 is outside the band of 'denied' (0.00-0.05); pick the "
                        "label whose band holds it or omit it",
                        "type": "probability-outside-band",
                    }
                ],
            },
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring problem+json bodies for these statuses."""
    descriptions = {
        404: "Unknown id.",
        409: "Conflicts with existing data.",
        412: "The resource changed since the given ETag.",
        422: "Invalid input; the offending fields are named.",
    }
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        media: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
        if status in PROBLEM_EXAMPLES:
            media["examples"] = PROBLEM_EXAMPLES[status]
        responses[status] = {
            "model": Problem,
            "description": descriptions.get(status, "Error."),
            "content": {PROBLEM_JSON: media},
        }
    return responses
