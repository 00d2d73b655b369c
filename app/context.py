"""Who is writing, and in which request: set per request by the HTTP layer (the caller's key,
the request id) and per command by the CLI, read by the history recorder for every change it
keeps."""

from contextvars import ContextVar

current_writer: ContextVar[str | None] = ContextVar("current_writer", default=None)
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
