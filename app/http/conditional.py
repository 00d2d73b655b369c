"""Conditional requests: ETags on records, `If-None-Match` (304) on reads, `If-Match` (412) on
PATCH and DELETE.

A record's ETag is `"<version>-<digest of its representation>"`: the version orders changes to
the record itself, the digest also changes when derived parts of the answer change (a claim's
summary). `If-Match` compares versions, checked on the row locked for the update; the UPDATE or
DELETE itself is conditional on the version too, so of two racing writers exactly one wins.
"""

import hashlib
import re
import uuid

import orjson
from fastapi import Request
from sqlalchemy import select
from starlette.types import Message, Receive, Scope, Send

from app.errors import DomainError, NotFound
from app.http.asgi import HTTPMiddleware
from app.http.deps import SessionDep
from app.models import Actor, Affiliation, Citation, Claim, ClaimRelation, Source, Stance
from app.models.base import Versioned
from app.records import raise_gone_if_deleted

# The record a PATCH or DELETE addresses, by the last id in its path.
RECORDS_BY_PARAM: dict[str, tuple[type[Versioned], str]] = {
    "actor_id": (Actor, "actor"),
    "source_id": (Source, "source"),
    "claim_id": (Claim, "claim"),
    "stance_id": (Stance, "stance"),
    "affiliation_id": (Affiliation, "affiliation"),
    "citation_id": (Citation, "citation"),
    "relation_id": (ClaimRelation, "claim relation"),
}
ETAG_VERSION = re.compile(r'^"(\d+)(?:-[0-9a-f]*)?"$')


class PreconditionFailed(
    DomainError, status=412, type="precondition-failed", title="Precondition failed"
):
    """An `If-Match` that no longer matches the record's version."""


def etag_for(version: int, body: bytes) -> str:
    return f'"{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


def _versions(header: str) -> list[int | None]:
    """The versions an If-Match header names (None for `*`); 412 for a malformed tag."""
    versions: list[int | None] = []
    for tag in (t.strip() for t in header.split(",")):
        if tag == "*":
            versions.append(None)
            continue
        if tag.startswith("W/"):
            # If-Match compares strongly (RFC 9110): a weak tag never matches.
            raise PreconditionFailed(f"If-Match: {tag!r} is a weak ETag, which never matches")
        match = ETAG_VERSION.match(tag)
        if match is None:
            raise PreconditionFailed(f"If-Match: {tag!r} is not an ETag this service issued")
        versions.append(int(match.group(1)))
    return versions


async def check_if_match(request: Request, session: SessionDep) -> None:
    """For PATCH and DELETE with If-Match: 412 unless the record is at a named version. The
    row is locked for the rest of the transaction, so the check holds."""
    header = request.headers.get("if-match")
    if header is None or request.method not in ("PATCH", "DELETE"):
        return
    params = [p for p in request.path_params if p in RECORDS_BY_PARAM]
    if not params:
        return
    model, entity = RECORDS_BY_PARAM[params[-1]]
    try:
        ident = uuid.UUID(str(request.path_params[params[-1]]))
    except ValueError:
        return  # the route's own validation answers 422
    # SQLite has no row locks, but a writing transaction holds the database's write lock
    # from its start (BEGIN IMMEDIATE), so no other writer commits between check and change.
    version = await session.scalar(select(model.version).where(model.id == ident).with_for_update())
    if version is None:
        await raise_gone_if_deleted(session, entity, ident)
        raise NotFound(entity, ident)
    wanted = _versions(header)
    if None not in wanted and version not in wanted:
        raise PreconditionFailed(
            f"the {entity} is at version {version}, not {', '.join(map(str, wanted))}; "
            "fetch it again and reapply the change",
            current_version=version,
        )


class ETags(HTTPMiddleware):
    """Adds an ETag to single-record JSON answers and turns a matching If-None-Match on a
    read into 304 Not Modified."""

    def handles(self, scope: Scope) -> bool:
        return super().handles(scope) and scope["method"] in ("GET", "HEAD", "PATCH", "POST")

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                route = getattr(scope.get("route"), "path", "")
                created = scope["method"] == "POST" and message["status"] == 201
                if created or (message["status"] == 200 and route.endswith("}")):
                    start = message  # a single record: hold the answer until it is whole
                    return
                await send(message)
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                await self._finish(scope, send, start, b"".join(chunks))

        await self.app(scope, receive, buffered_send)

    @staticmethod
    async def _finish(scope: Scope, send: Send, start: Message, body: bytes) -> None:
        headers = list(start.get("headers", []))
        try:
            version = orjson.loads(body).get("version") if body.startswith(b"{") else None
        except orjson.JSONDecodeError:
            version = None
        if isinstance(version, int):
            etag = etag_for(version, body)
            headers.append((b"etag", etag.encode()))
            request_headers = dict(scope["headers"])
            wanted = request_headers.get(b"if-none-match", b"").decode("latin-1")
            if (
                scope["method"] in ("GET", "HEAD")
                and wanted
                and (wanted.strip() == "*" or etag in [t.strip() for t in wanted.split(",")])
            ):
                kept = [
                    (k, v)
                    for k, v in headers
                    if k.lower() not in (b"content-length", b"content-type")
                ]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
