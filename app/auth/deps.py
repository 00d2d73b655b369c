"""Who is calling and what they may do: bearer keys checked per request."""

from typing import Annotated

from fastapi import Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.keys import RANK, KeyOut, Scope, verify_key
from app.context import current_writer
from app.errors import DomainError
from app.http.ratelimit import check_rate
from app.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `claimgraph keys create`: `Authorization: Bearer cg_…`.",
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Unauthorized(DomainError, status=401, type="unauthorized", title="Unauthorized"):
    """A request without a valid key where one is needed."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        error = "invalid_token" if "invalid" in detail else "invalid_request"
        self.headers = {"WWW-Authenticate": f'Bearer realm="claimgraph", error="{error}"'}


class Forbidden(DomainError, status=403, type="insufficient-scope", title="Insufficient scope"):
    """A key whose scope does not allow the operation."""

    def __init__(self, needed: Scope, has: Scope) -> None:
        super().__init__(
            f"this needs a key with scope {needed.value!r}; this key has {has.value!r}"
        )
        self.headers = {
            "WWW-Authenticate": f'Bearer realm="claimgraph", error="insufficient_scope", '
            f'scope="{needed.value}"'
        }


async def _caller(
    request: Request,
    response: Response,
    credentials: HTTPAuthorizationCredentials | None,
    needed: Scope,
) -> KeyOut | None:
    settings: Settings = request.app.state.settings
    if credentials is None:
        if needed == Scope.read and not settings.reads_require_key:
            if settings.rate_limit_per_minute:
                client = request.client.host if request.client else "unknown"
                await check_rate(
                    request, response, f"addr:{client}", settings.rate_limit_per_minute
                )
            return None
        raise Unauthorized("this request needs an API key: Authorization: Bearer <key>")
    async with request.app.state.key_sessionmaker() as session:
        key = await verify_key(session, credentials.credentials)
    if key is None:
        raise Unauthorized("the API key is invalid, expired or revoked")
    if RANK[key.scope] < RANK[needed]:
        raise Forbidden(needed, key.scope)
    writer = f"key:{key.prefix}"
    request.state.writer = writer
    current_writer.set(writer)
    if settings.rate_limit_per_minute:
        await check_rate(request, response, writer, settings.rate_limit_per_minute)
    return key


Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


async def require_access(
    request: Request, response: Response, credentials: Credentials
) -> KeyOut | None:
    """Reads are open (or need `read`, by configuration); anything else needs `write`."""
    needed = Scope.read if request.method in READ_METHODS else Scope.write
    return await _caller(request, response, credentials, needed)


async def require_read(
    request: Request, response: Response, credentials: Credentials
) -> KeyOut | None:
    """For routes that only read whatever their method (`POST /v1/suggestions` stores
    nothing): open, or a `read` key, as GET requests are."""
    return await _caller(request, response, credentials, Scope.read)


async def require_admin(request: Request, response: Response, credentials: Credentials) -> KeyOut:
    """Key management needs an `admin` key."""
    key = await _caller(request, response, credentials, Scope.admin)
    assert key is not None
    return key


AdminKey = Annotated[KeyOut, Depends(require_admin)]
