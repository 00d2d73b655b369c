"""`Idempotency-Key` on POST: a retried request gets the first response again, not a second
write.

The key is looked at only after the caller is authenticated and allowed the request. The
first request with a key inserts its record in its own transaction, before its work; the
response is added to that record and committed with the write, before the response is sent.
So a retry that follows the answer finds it (a replay), a retry sent while the first is still
running waits for it on PostgreSQL (row lock) or SQLite (the write lock) and then replays it,
and a request that never finished wrote nothing, not even its key: a retry runs anew. Only
successful answers are stored; an error wrote nothing, so its retry runs again. The same key
with a different request is a 422. Keys are kept 24 hours, per API key.
"""

import hashlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from app.db.engines import unavailable
from app.errors import Conflict, DomainError, InvalidField
from app.http.asgi import HTTPMiddleware
from app.http.middleware import IMPORT_PATH, send_problem
from app.http.problems import unavailable_problem
from app.models import IdempotentRequest

HEADER = "idempotency-key"
KEEP = timedelta(hours=24)
REPLAYED_HEADERS = (b"content-type", b"location")
STATE = "idempotency"
log = logging.getLogger("claimgraph.idempotency")


class KeyReused(
    DomainError, status=422, type="idempotency-key-reused", title="Idempotency-Key reused"
):
    """An Idempotency-Key sent again with a different request."""


class Replay(Exception):
    """The stored answer to an earlier request with the same key, sent again."""

    def __init__(self, row: IdempotentRequest) -> None:
        super().__init__(row.key)
        self.status = row.status or 200
        self.headers = dict(row.headers or {})
        self.body = (row.body or "").encode()


@dataclass(slots=True)
class Claim:
    """A key this request holds: its record is in the request's transaction, which the
    finishing middleware commits with the response."""

    owner: str
    key: str
    session: AsyncSession | None = None
    # What a replay answers, when not the response itself (key creation: not the secret).
    replay_as: Callable[[bytes], bytes] | None = None


def _digest(request: Request, body: bytes) -> str:
    parts = [request.method.encode(), request.url.path.encode(), request.url.query.encode(), body]
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def _check(row: IdempotentRequest, digest: str) -> Replay:
    if row.request_hash != digest:
        raise KeyReused("this Idempotency-Key was used with a different request")
    return Replay(row)


async def claim_key(request: Request, session: AsyncSession, owner: str) -> None:
    """Replay the stored answer to this key (raises `Replay`), or hold the key for this
    request in its transaction. Call only once the caller may make the request."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST" or request.url.path == IMPORT_PATH:
        return
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidField(
            "Idempotency-Key",
            "use 1 to 255 printable characters",
            type="invalid-idempotency-key",
            location="header",
        )
    digest = _digest(request, await request.body())
    now = datetime.now(UTC)
    if random.random() < 0.01:  # now and then, forget expired keys
        await session.execute(
            delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEEP)
        )
    row = await session.get(IdempotentRequest, (owner, key))
    if row is not None and (row.created_at < now - KEEP or row.status is None):
        await session.delete(row)  # expired, or left by an earlier version's unfinished claim
        await session.flush()
        row = None
    if row is not None:
        raise _check(row, digest)
    session.add(IdempotentRequest(owner=owner, key=key, request_hash=digest, created_at=now))
    try:
        await session.flush()
    except IntegrityError:
        # A twin request held the key; PostgreSQL waited for it to commit. Answer as it did.
        await session.rollback()
        row = await session.get(IdempotentRequest, (owner, key))
        if row is None or row.status is None:
            raise Conflict("a request with this Idempotency-Key is still being handled") from None
        raise _check(row, digest) from None
    request.state.idempotency = Claim(owner=owner, key=key)


def hold(request: Request, session: AsyncSession) -> bool:
    """Keep the request's finished transaction open for its response, when it holds a key
    (True); the middleware commits it."""
    claim: Claim | None = getattr(request.state, STATE, None)
    if claim is None:
        return False
    claim.session = session
    return True


def replay_as(request: Request, make: Callable[[bytes], bytes]) -> None:
    """Replays of this request answer `make(response body)` instead of the body itself."""
    claim: Claim | None = getattr(request.state, STATE, None)
    if claim is not None:
        claim.replay_as = make


async def _replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    headers = {**exc.headers, "Idempotent-Replayed": "true"}
    media_type = headers.pop("content-type", None)
    return Response(exc.body, status_code=exc.status, headers=headers, media_type=media_type)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Replay, _replay)


class CommitWithResponse(HTTPMiddleware):
    """For a POST that holds an Idempotency-Key: commits its transaction with the response
    stored in it, then sends the response. An answer that could not be committed is not
    sent; the client gets a 503 (or 409) and may retry with the same key."""

    def handles(self, scope: Scope) -> bool:
        return super().handles(scope) and bool(scope["method"] == "POST")

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        held: list[Message] = []

        async def hold_send(message: Message) -> None:
            claim: Claim | None = scope.get("state", {}).get(STATE)
            if claim is None or claim.session is None:
                await send(message)
            else:
                held.append(message)

        claim: Claim | None = None
        try:
            await self.app(scope, receive, hold_send)
            claim = scope.get("state", {}).get(STATE)
            if claim is None or claim.session is None:
                return
            await self._commit(scope, send, claim, held)
        finally:
            if claim is not None and claim.session is not None:
                await claim.session.close()

    @staticmethod
    async def _commit(scope: Scope, send: Send, claim: Claim, held: list[Message]) -> None:
        assert claim.session is not None
        start = next((m for m in held if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        status = start["status"] if start is not None else 500
        session = claim.session
        try:
            row = await session.get(IdempotentRequest, (claim.owner, claim.key))
            if row is not None:
                if 200 <= status < 300:
                    headers = {
                        k.decode("latin-1"): v.decode("latin-1")
                        for k, v in (start or {}).get("headers", [])
                        if k.lower() in REPLAYED_HEADERS
                    }
                    kept = claim.replay_as(body) if claim.replay_as else body
                    row.status, row.headers = status, headers
                    row.body = kept.decode("utf-8", "replace")
                else:
                    await session.delete(row)
            await session.commit()
        except Exception as exc:
            await session.rollback()
            why = unavailable(exc)
            if why is not None:
                log.warning("idempotency: the write was not committed: %s", exc)
                await unavailable_problem(scope.get("path", ""), why)(scope, _no_body, send)
                return
            if isinstance(exc, IntegrityError):
                await send_problem(
                    send,
                    scope.get("path", ""),
                    409,
                    "conflict",
                    "Conflict",
                    "the write conflicts with another made at the same time; retry",
                )
                return
            raise
        for message in held:
            await send(message)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
