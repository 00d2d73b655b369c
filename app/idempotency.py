"""`Idempotency-Key` on POST: a retried request gets the first response again, not a second
write.

The first request with a key claims it (a row inserted before the work starts, so a concurrent
duplicate gets 409 rather than a second write); its response is stored when it completes and
replayed, byte for byte, to retries with the same key and the same request. The same key with
a different request is a 422. Keys are kept 24 hours. A claim left unfinished (the process
stopped between the write and storing its response) is released after 5 minutes.
"""

import hashlib
import logging
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import unavailable
from app.errors import unavailable_problem
from app.middleware import IMPORT_PATH, send_problem
from app.models import IdempotentRequest

HEADER = b"idempotency-key"
KEEP = timedelta(hours=24)
UNFINISHED = timedelta(minutes=5)
REPLAYED_HEADERS = (b"content-type", b"location", b"etag")
NOT_STORED = frozenset({401, 403, 409, 413, 429})
log = logging.getLogger("claimgraph.idempotency")


class Idempotency:
    def __init__(self, app: ASGIApp, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessionmaker = sessionmaker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        raw_key = headers.get(HEADER)
        if raw_key is None or scope["method"] != "POST" or scope["path"] == IMPORT_PATH:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        key = raw_key.decode("latin-1")
        if not 1 <= len(key) <= 255 or not key.isprintable():
            await send_problem(
                send,
                path,
                422,
                "invalid-idempotency-key",
                "Invalid Idempotency-Key",
                "use 1 to 255 printable characters",
            )
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        owner = hashlib.sha256(headers.get(b"authorization", b"anonymous")).hexdigest()[:32]
        digest = hashlib.sha256(
            b"\n".join([scope["method"].encode(), path.encode(), scope["query_string"], body])
        ).hexdigest()
        try:
            if await self._replay_or_claim(send, path, owner, key, digest):
                return
        except Exception as exc:
            why = unavailable(exc)
            if why is None:
                raise
            log.warning("idempotency: %s: %s", why, exc)
            await unavailable_problem(path, why)(scope, receive, send)
            return
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status: int | None = None
        kept_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() in REPLAYED_HEADERS:
                        kept_headers[name.decode("latin-1")] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            try:
                await self._finish(owner, key, status, kept_headers, b"".join(chunks))
            except Exception as exc:
                # The answer is sent; its replay copy is lost. The claim is released after
                # UNFINISHED, so a retry meanwhile is told the request is in progress.
                if unavailable(exc) is None:
                    raise
                log.warning("idempotency: response not stored: %s", exc)

    async def _replay_or_claim(
        self, send: Send, path: str, owner: str, key: str, digest: str
    ) -> bool:
        """Replay a stored response (True), or claim the key for this request (False)."""
        now = datetime.now(UTC)
        async with self.sessionmaker() as session:
            if random.random() < 0.01:  # now and then, forget expired keys
                await session.execute(
                    delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEEP)
                )
            row = await session.get(IdempotentRequest, (owner, key))
            stale = row is not None and (
                row.created_at < now - KEEP
                or (row.status is None and row.created_at < now - UNFINISHED)
            )
            if row is not None and stale:
                await session.delete(row)
                await session.flush()
                row = None
            if row is not None:
                await session.commit()
                await self._answer_existing(send, path, row, digest)
                return True
            session.add(
                IdempotentRequest(owner=owner, key=key, request_hash=digest, created_at=now)
            )
            try:
                await session.commit()
            except IntegrityError:
                await send_problem(
                    send,
                    path,
                    409,
                    "idempotency-in-progress",
                    "Request in progress",
                    "a request with this Idempotency-Key is still being handled",
                )
                return True
        return False

    async def _answer_existing(
        self, send: Send, path: str, row: IdempotentRequest, digest: str
    ) -> None:
        if row.request_hash != digest:
            await send_problem(
                send,
                path,
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "this Idempotency-Key was used with a different request",
            )
        elif row.status is None:
            await send_problem(
                send,
                path,
                409,
                "idempotency-in-progress",
                "Request in progress",
                "a request with this Idempotency-Key is still being handled",
            )
        else:
            body = (row.body or "").encode()
            headers: list[tuple[bytes, bytes]] = [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in (row.headers or {}).items()
            ]
            headers += [
                (b"content-length", str(len(body)).encode()),
                (b"idempotent-replayed", b"true"),
            ]
            await send({"type": "http.response.start", "status": row.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    async def _finish(
        self, owner: str, key: str, status: int | None, headers: dict[str, str], body: bytes
    ) -> None:
        """Store the response for replay; release the key if there is nothing to replay."""
        async with self.sessionmaker() as session:
            row = await session.get(IdempotentRequest, (owner, key))
            if row is None:
                return
            if status is None or status >= 500 or status in NOT_STORED:
                await session.delete(row)
            else:
                row.status, row.headers, row.body = status, headers, body.decode("utf-8", "replace")
            await session.commit()
