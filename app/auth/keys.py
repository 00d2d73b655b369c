"""API keys: made random, shown once, stored as a SHA-256, listed by prefix, expired, revoked.

Keys carry 256 bits of randomness, so a fast cryptographic hash is the right store (slow
password hashes exist to protect guessable secrets); comparison is constant-time.
"""

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.paging import PageParams, keyset, split_page
from app.db.statements import select_rows
from app.errors import Conflict, NotFound
from app.models import ApiKey

KEY_PREFIX = "cg"


class Scope(StrEnum):
    """What a key may do; each scope includes the ones before it."""

    read = "read"
    write = "write"
    admin = "admin"


RANK = {Scope.read: 0, Scope.write: 1, Scope.admin: 2}


class KeyOut(BaseModel):
    """An API key as listed: never the key itself."""

    id: uuid.UUID = Field(description="The key's id.")
    name: str = Field(description="What the key is for, e.g. `ingest-bot`.")
    prefix: str = Field(description="The key's first characters, to recognize it.")
    scope: Scope = Field(description="What the key may do.")
    created_at: datetime = Field(description="When it was made.")
    expires_at: datetime | None = Field(description="When it stops working, if ever.")
    revoked_at: datetime | None = Field(description="When it was revoked, if it was.")


class NewKey(KeyOut):
    """A freshly made key: `key` is shown this once and cannot be recovered."""

    key: str | None = Field(
        description="The bearer key. Store it now: only its hash is kept. Null when this "
        "answer is a replay (the request was sent again with its Idempotency-Key): the "
        "secret is never stored, so it cannot be shown twice."
    )


def without_secret(body: bytes) -> bytes:
    """A new key's answer as a replay gives it: everything but the secret."""
    return (
        NewKey.model_validate_json(body).model_copy(update={"key": None}).model_dump_json().encode()
    )


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _out(row: ApiKey) -> KeyOut:
    return KeyOut.model_validate(row, from_attributes=True)


async def create_key(
    session: AsyncSession, *, name: str, scope: Scope, expires_in: timedelta | None = None
) -> NewKey:
    """A new key (the only time its secret is seen)."""
    prefix = f"{KEY_PREFIX}_{secrets.token_hex(6)}"
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        name=name,
        prefix=prefix,
        hash=hash_key(key),
        scope=scope,
        created_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + expires_in if expires_in else None,
    )
    session.add(row)
    await session.flush()
    return NewKey(**_out(row).model_dump(), key=key)


async def list_keys(
    session: AsyncSession, page: PageParams | None = None
) -> tuple[list[KeyOut], str | None]:
    """Keys in creation order (prefixes only), one page or all; and the next cursor."""
    stmt = select(ApiKey)
    if page is None:
        return [_out(r) for r in (await session.scalars(stmt.order_by(ApiKey.id))).all()], None
    rows, cursor = split_page(
        list((await session.scalars(keyset(stmt, ApiKey.id, page))).all()), page
    )
    return [_out(r) for r in rows], cursor


class RevokesItself(Conflict, type="key-revokes-itself", title="A key cannot revoke itself"):
    """A key asked to revoke itself."""


async def revoke_key(
    session: AsyncSession, ident: str, *, not_by: uuid.UUID | None = None
) -> KeyOut:
    """Revoke the key with this id or prefix (revoking twice keeps the first time); 409 if
    it is the key `not_by`, the caller's own."""
    try:
        condition = ApiKey.id == uuid.UUID(ident)
    except ValueError:
        condition = ApiKey.prefix == ident
    row = (await session.scalars(select(ApiKey).where(condition))).one_or_none()
    if row is None:
        raise NotFound("api key", ident)
    if row.id == not_by:
        raise RevokesItself(f"key {row.prefix} is the key making this request")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        await session.flush()
    return _out(row)


# Every request with a key runs this: built once and read as a row, not loaded as an object.
KEY_BY_PREFIX = select(
    ApiKey.id,
    ApiKey.name,
    ApiKey.prefix,
    ApiKey.hash,
    ApiKey.scope,
    ApiKey.created_at,
    ApiKey.expires_at,
    ApiKey.revoked_at,
).where(ApiKey.prefix == bindparam("prefix"))


async def verify_key(session: AsyncSession, key: str) -> KeyOut | None:
    """The key's record if `key` is a live key (known, unexpired, unrevoked), else None."""
    parts = key.split("_", 2)  # cg_<prefix>_<secret>; the secret may contain "_"
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    prefix = f"{parts[0]}_{parts[1]}"
    rows = await select_rows(session, KEY_BY_PREFIX, {"prefix": prefix})
    if not rows:
        return None
    row = rows[0]
    if not hmac.compare_digest(row.hash, hash_key(key)):
        return None
    now = datetime.now(UTC)
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return KeyOut.model_validate(row, from_attributes=True)
