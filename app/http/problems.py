"""Every error the app can raise, rendered as problem+json: domain errors, invalid requests,
HTTP errors, conflicts a concurrent writer slipped in, and a database that is away (503)."""

import logging
import re

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db.engines import unavailable
from app.errors import PROBLEM_JSON, DomainError, FieldError, problem

RETRY_AFTER = "2"  # seconds a client should wait before retrying a 503
# Errors asyncpg may raise without SQLAlchemy wrapping them (while connecting).
ASYNCPG_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # on a connection its server closed meanwhile
)
log = logging.getLogger("claimgraph.errors")


def problem_response(
    path: str,
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """A problem+json response to the request for `path`."""
    body = problem(status, slug, title, detail, path, **extra)
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _problem(
    request: Request, status: int, slug: str, title: str, detail: str | None, **extra: object
) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    return problem_response(request.url.path, status, slug, title, detail, headers, **extra)


def _field_name(loc: tuple[int | str, ...]) -> tuple[str, str]:
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
    paths: dict[str, dict[str, object]] = request.app.openapi().get("paths", {})
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
    return problem_response(path, 503, why, title, detail, {"Retry-After": RETRY_AFTER})


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
