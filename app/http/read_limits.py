"""How long a client may take to send a request body, and how large its header fields may be,
enforced by the app itself under any ASGI server.

A body must arrive within CLAIMGRAPH_BODY_TIMEOUT_SECONDS plus the time its size needs at
CLAIMGRAPH_BODY_MIN_BYTES_PER_SECOND; only the time the app spends waiting for it counts (an
import that writes as it reads is not the client's delay). Past that, 408 and the connection
closes. Header fields over CLAIMGRAPH_MAX_HEADER_BYTES get 431: under `claimgraph serve` the
connection's protocol (app/http/serving.py) refuses them before they are even buffered; this is
the same limit for a server without it. A response to a request whose body was not read to
its end closes the connection, so the unread rest is never taken for the next request.
"""

import asyncio
import logging
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.asgi import HTTPMiddleware
from app.http.middleware import send_problem
from app.http.problems import problem_response
from app.http.serving import CONNECTION_KEY, PROTOCOL
from app.settings import Settings

log = logging.getLogger("claimgraph.limits")
CLOSE = (b"connection", b"close")


class BodyTimeout(HTTPException):
    """Raised from `receive` when the body is late. FastAPI lets HTTP exceptions through its
    body parsing, so a route's body read ends as this 408."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request's body did not arrive in time ({seconds:.1f} s)")


async def _body_timeout(request: Request, exc: Exception) -> JSONResponse:
    detail = str(getattr(exc, "detail", ""))
    return problem_response(
        request.url.path, 408, "request-timeout", "Request timeout", detail, {"Connection": "close"}
    )


@dataclass
class _Body:
    declared: bool  # the request says a body follows
    received: int = 0
    waited: float = 0.0  # seconds spent waiting for it
    done: bool = False
    late: bool = False  # it did not arrive in time
    closing: bool = False  # the connection ends with this response


def _declares_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


class ReadLimits(HTTPMiddleware):
    """The body's deadline, the header fields' size cap, and the connection's protocol told
    when a request starts and when its response is done."""

    def __init__(
        self, app: ASGIApp, *, max_header_bytes: int, body_timeout: float, body_min_rate: int
    ) -> None:
        super().__init__(app)
        self.max_header_bytes = max_header_bytes
        self.body_timeout = body_timeout
        self.body_min_rate = body_min_rate
        self.unguarded_noted = False

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = scope.get("state", {}).get(CONNECTION_KEY)
        if connection is not None:
            connection.request_started()
        elif not self.unguarded_noted:
            self.unguarded_noted = True
            log.info("request heads have no deadline: serve with --http %s for one", PROTOCOL)
        path = scope.get("path", "")
        headers = scope["headers"]
        if sum(len(name) + len(value) + 4 for name, value in headers) > self.max_header_bytes:
            detail = f"the request's header fields are larger than {self.max_header_bytes} bytes"
            slug, title = "request-header-fields-too-large", "Request header fields too large"
            await send_problem(send, path, 431, slug, title, detail, headers=[CLOSE])
            return
        body = _Body(declared=_declares_body(headers))
        loop = asyncio.get_running_loop()
        started = False

        async def receive_in_time() -> Message:
            if body.done:
                return await receive()
            allowance = self.body_timeout + body.received / self.body_min_rate - body.waited
            began = loop.time()
            try:
                async with asyncio.timeout(max(allowance, 0.0)):
                    message = await receive()
            except TimeoutError:
                body.late = True
                raise BodyTimeout(body.waited + loop.time() - began) from None
            finally:
                body.waited += loop.time() - began
            if message["type"] == "http.request":
                body.received += len(message.get("body", b""))
                body.done = not message.get("more_body", False)
            else:
                body.done = True
            return message

        async def send_closing(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if body.late or (body.declared and not body.done):
                    body.closing = True
                    names = {name.lower() for name, _ in message.get("headers", [])}
                    if b"connection" not in names:
                        message = {**message, "headers": [*message.get("headers", []), CLOSE]}
            elif (
                message["type"] == "http.response.body"
                and not message.get("more_body")
                and connection is not None
                and not body.closing
            ):
                connection.response_done()
            await send(message)

        try:
            await self.app(scope, receive_in_time, send_closing)
        except BodyTimeout as exc:
            if started:  # too late for a 408; the connection is closed unfinished
                return
            slug, title = "request-timeout", "Request timeout"
            await send_problem(send, path, 408, slug, title, str(exc.detail), headers=[CLOSE])


def install_read_limits(app: FastAPI, settings: Settings) -> None:
    """Add ReadLimits (as the next outer middleware) and the 408 rendering of a late body."""
    app.add_exception_handler(BodyTimeout, _body_timeout)
    app.add_middleware(
        ReadLimits,
        max_header_bytes=settings.max_header_bytes,
        body_timeout=settings.body_timeout_seconds,
        body_min_rate=settings.body_min_bytes_per_second,
    )
