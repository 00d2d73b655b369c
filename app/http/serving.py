"""Serving with uvicorn, plus the two limits on a request's head that uvicorn has no setting
for: it must arrive within CLAIMGRAPH_HEADER_TIMEOUT_SECONDS of the connection opening (or of
the previous response), and be at most CLAIMGRAPH_MAX_HEADER_BYTES long.

Both act before uvicorn's parser, which buffers a head of any size for any time, and before
the app is called, so they cannot be middleware. `GuardedHTTP` is an asyncio protocol that
wraps uvicorn's own HTTP protocol (the one `--http auto` picks) and is given to uvicorn
through its public `http` option: `claimgraph serve` does so, and so does
`uvicorn --http app.http.serving:GuardedHTTP` (or UVICORN_HTTP=app.http.serving:GuardedHTTP).
It sees the bytes on their way in; it learns when a request reaches the app, and when its
response is done, from `ReadLimits` (app/http/read_limits.py), which finds the connection in
the request's lifespan state (uvicorn gives each request a copy of the state its protocol
was given).
"""

import asyncio
import re
from http import HTTPStatus
from typing import cast

import uvicorn
from uvicorn.config import HTTP_PROTOCOLS
from uvicorn.importer import import_from_string

from app.errors import PROBLEM_JSON, problem
from app.settings import Settings, get_settings

CONNECTION_KEY = "claimgraph.connection"
PROTOCOL = "app.http.serving:GuardedHTTP"
HEAD_END = re.compile(rb"\n\r?\n")  # the blank line (CRLF, or a bare LF as parsers allow)
# After refusing a head, the rest of what the client is sending is read and dropped for a
# moment before the connection closes: closing with unread bytes would send a TCP reset,
# which can destroy the refusal before the client reads it.
LINGER_SECONDS = 2.0


def refusal(status: int, slug: str, detail: str) -> bytes:
    """A complete HTTP/1.1 response with a problem+json body, closing the connection."""
    title = HTTPStatus(status).phrase
    content = problem(status, slug, title, detail).model_dump_json(exclude_none=True).encode()
    head = (
        f"HTTP/1.1 {status} {title}\r\ncontent-type: {PROBLEM_JSON}\r\n"
        f"content-length: {len(content)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + content


class GuardedHTTP(asyncio.Protocol):
    """uvicorn's HTTP protocol behind a deadline and a size cap for each request head."""

    def __init__(self, *, app_state: dict[str, object], **uvicorn_arguments: object) -> None:
        # uvicorn builds its protocols with keyword arguments (config, server_state,
        # app_state, and its loop); they are passed on untouched but for the state.
        settings = get_settings()
        self.timeout = settings.header_timeout_seconds
        self.max_head = settings.max_header_bytes
        self.loop = asyncio.get_running_loop()
        state = {**app_state, CONNECTION_KEY: self}
        inner = import_from_string(HTTP_PROTOCOLS["auto"])
        self.inner: asyncio.Protocol = inner(app_state=state, **uvicorn_arguments)
        self.transport: asyncio.Transport | None = None
        self.deadline: asyncio.TimerHandle | None = None
        self.waiting = False  # for a request head: bytes counted, deadline running
        self.lingering = False  # refused: what arrives is dropped until the close
        self._reset_head()

    def _reset_head(self) -> None:
        self.begun = False  # a byte of the head seen (blank lines before it are skipped)
        self.complete = False  # its blank line seen
        self.line_length: int | None = None  # its request line's, once it ended
        self.size = 0
        self.tail = b""

    # asyncio.Protocol: everything goes on to uvicorn's protocol.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's does not subclass asyncio.Transport, but is one).
        self.transport = cast(asyncio.Transport, transport)
        self.inner.connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return
        if self.waiting and not self.complete and (refused := self._count(data)):
            self._refuse(refused)
            return
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    # Told by ReadLimits.

    def request_started(self) -> None:
        """A request reached the app: its head is in, the deadline is over."""
        self._disarm()

    def response_done(self) -> None:
        """The last of a response is being sent: the next head's deadline starts. Unless
        uvicorn has stopped reading, which it does when the next request is already in
        (pipelined) or a body is waiting unread: that request starts without waiting."""
        if self.transport is not None and self.transport.is_reading():
            self._arm()

    # The head.

    def _arm(self) -> None:
        self._disarm()
        self._reset_head()
        self.waiting = True
        self.deadline = self.loop.call_later(self.timeout, self._expired)

    def _disarm(self) -> None:
        self.waiting = False
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _count(self, data: bytes) -> bytes | None:
        """Count the head's bytes in `data`; the refusal to send if it is now too large."""
        if not self.begun:
            data = data.lstrip(b"\r\n")
            if not data:
                return None
            self.begun = True
        before = self.size
        window = self.tail + data
        end = HEAD_END.search(window)
        counted = len(data) if end is None else end.end() - len(self.tail)
        self.size += counted
        if self.line_length is None and (newline := data.find(b"\n", 0, counted)) >= 0:
            self.line_length = before + newline
        if end is None:
            self.tail = window[-2:]
        else:
            self.complete = True
        if self.size <= self.max_head:
            return None
        if self.line_length is None or self.line_length > self.max_head:
            detail = f"the request line is longer than {self.max_head} bytes"
            return refusal(414, "uri-too-long", detail)
        return refusal(
            431,
            "request-header-fields-too-large",
            f"the request's head is larger than {self.max_head} bytes",
        )

    def _expired(self) -> None:
        self.deadline = None
        transport = self.transport
        if not self.waiting or transport is None or transport.is_closing():
            return
        if transport.get_protocol() is not self:  # taken over (an upgrade)
            return
        if self.complete:  # the app is about to be called; a response may be starting
            transport.close()
            return
        detail = f"the request's head did not arrive within {self.timeout:g} s"
        self._refuse(refusal(408, "request-timeout", detail))

    def _refuse(self, response: bytes) -> None:
        self._disarm()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(response)
        self.lingering = True
        if transport.can_write_eof():
            transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, transport.close)
        else:
            transport.close()


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Run the app under uvicorn with every limit: the head's (above) and the body's
    (ReadLimits, in the app itself)."""
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=PROTOCOL,  # by name: worker processes import it themselves
        # Only used if uvicorn runs on h11: its own cap on a head, above ours so that ours
        # answers first (431 rather than h11's 400).
        h11_max_incomplete_event_size=settings.max_header_bytes + 4096,
        log_level=settings.log_level,
        access_log=False,  # the app logs each request itself, as JSON with its request id
    )
