"""ASGI middleware that guards the app before routing."""

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import PROBLEM_JSON, Problem, problem_type


class RejectNulInURL:
    """Answer 422 for a NUL byte in the path or query: no database stores it, so it could only
    end as a server error further in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            if b"%00" in query or "\x00" in scope.get("path", ""):
                body = (
                    Problem(
                        type=problem_type("invalid-request"),
                        title="Invalid request",
                        status=422,
                        detail="the URL contains a NUL character",
                        instance=scope.get("path"),
                    )
                    .model_dump_json(exclude_none=True)
                    .encode()
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 422,
                        "headers": [
                            (b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
