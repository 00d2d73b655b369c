"""The shape every pure ASGI middleware of the app shares: it acts on the HTTP requests it
handles and passes everything else (lifespan and websocket scopes, requests it leaves alone)
straight to the app it wraps."""

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


class HTTPMiddleware(ABC):
    """A pure ASGI middleware for HTTP requests; `http` serves a request it handles."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def handles(self, scope: Scope) -> bool:
        """Whether this middleware acts on the request: every HTTP request unless narrowed."""
        return bool(scope["type"] == "http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.handles(scope):
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @abstractmethod
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request this middleware handles."""
