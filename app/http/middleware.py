"""ASGI middleware that guards the app before routing: URL sanity and size limits; and the
route-level check that refuses query parameters a route does not take."""

from urllib.parse import parse_qsl, unquote_plus

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import (
    PROBLEM_JSON,
    FieldError,
    InvalidField,
    UnsupportedMediaType,
    problem,
)
from app.http.asgi import HTTPMiddleware

IMPORT_PATH = "/v1/import"


async def send_problem(
    send: Send,
    path: str,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer with a problem+json response straight from middleware."""
    details = problem(status, slug, title, detail, path, errors=errors or None)
    body = details.model_dump_json(exclude_none=True).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _nul_fields(path: str, query: bytes) -> list[FieldError]:
    """The URL's parts holding a NUL: the path, and each query parameter by name."""
    message, code = "must not contain a NUL character", "nul_character"
    errors = []
    if "\x00" in path:
        errors.append(FieldError(field="path", location="path", message=message, type=code))
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            field = name.replace("\x00", "\\0") or "(blank)"
            errors.append(FieldError(field=field, location="query", message=message, type=code))
    return errors


class RejectNulInURL(HTTPMiddleware):
    """Answer 422 for a NUL byte in the path or query: no database stores it, so it could only
    end as a server error further in."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"")
        path: str = scope.get("path", "")
        if b"%00" in query or "\x00" in path:
            await send_problem(
                send,
                path,
                422,
                "invalid-request",
                "Invalid request",
                "the URL contains a NUL character",
                _nul_fields(path, query),
            )
            return
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit; FastAPI lets HTTP
    exceptions through its body parsing, so it is rendered as a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit} bytes")


async def _send_too_large(send: Send, path: str, limit: int) -> None:
    await send_problem(
        send,
        path,
        413,
        "payload-too-large",
        "Payload too large",
        f"the body is larger than {limit} bytes",
    )


class LimitSizes(HTTPMiddleware):
    """414 for an over-long query string; 413 for a body over the limit, whether its length
    is declared or it streams (the stream is cut as soon as it passes the limit)."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_import: int, max_query: int) -> None:
        super().__init__(app)
        self.max_body = max_body
        self.max_import = max_import
        self.max_query = max_query

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if len(scope.get("query_string", b"")) > self.max_query:
            await send_problem(
                send,
                path,
                414,
                "uri-too-long",
                "URI too long",
                f"the query string is longer than {self.max_query} bytes",
            )
            return
        limit = self.max_import if path == IMPORT_PATH else self.max_body
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_too_large(send, path, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_too_large(send, path, limit)


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_names(route: APIRoute) -> frozenset[str]:
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        found: set[str] = set()
        pending = [route.dependant]
        while pending:  # the route's parameters and those of every dependency it uses
            dependant = pending.pop()
            found.update(p.alias for p in dependant.query_params)
            pending.extend(dependant.dependencies)
        names = frozenset(found)
        _QUERY_NAMES[id(route)] = names
    return names


async def reject_unknown_query(request: Request) -> None:
    """422 for a query parameter the route does not take, as for an unknown body field: a
    misspelt filter must not pass silently and widen the answer."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    known = _query_names(route)
    for pair in request.url.query.split("&"):
        name = unquote_plus(pair.partition("=")[0])
        if pair and name not in known:  # (a blank name too: `?=x`)
            raise InvalidField(name, "is not a parameter of this endpoint", location="query")


BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    main, _, sub = media.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def require_json(request: Request) -> None:
    """415 for a body that is not declared as JSON: read as JSON anyway, a `text/plain` body
    would get a confusing 422, and a form post from another site could pass for a request."""
    if request.method not in BODY_METHODS or request.url.path == IMPORT_PATH:
        return
    if _is_json(request.headers.get("content-type")) or not await request.body():
        return
    raise UnsupportedMediaType(
        f"send the body as application/json (Content-Type was "
        f"{request.headers.get('content-type') or 'missing'!r})"
    )
