"""Pages of rows in key order: bounded limits, signed cursors, keyset conditions.

A cursor is the sort key of the last row of a page, signed with the service's secret and
bound to the list it came from (its scope: for HTTP, the path and every query parameter but the
page's own), so a cursor the service did not issue, or issued for another list, is refused
before it is read. Nothing here knows of HTTP: `app.http.pagination` reads a page from a
request and advertises the next one.
"""

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, cast, overload

import orjson
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import InvalidField
from app.models import ServiceSecret

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAC_BYTES = 16
INT64 = 2**63
# What a cursor's key holds, part by part: JSON scalars (ids and dates as strings).
CursorValue = str | int | float | bool | None
A = TypeVar("A")
B = TypeVar("B")
T = TypeVar("T")


class InvalidCursor(InvalidField):
    def __init__(self, message: str, field: str = "cursor") -> None:
        super().__init__(field, message, type="invalid-cursor", location="query")
        self.title = "Invalid cursor"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Cursors:
    """Signs and opens cursors with one secret; every process of a deployment shares it (the
    database holds it), so a cursor from one worker is good on every other."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, scope: str, payload: bytes) -> bytes:
        message = scope.encode() + b"\x00" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:MAC_BYTES]

    def sign(self, scope: str, key: Sequence[CursorValue | uuid.UUID | datetime]) -> str:
        plain = [str(v) if isinstance(v, uuid.UUID | datetime) else v for v in key]
        payload = orjson.dumps(plain)
        return f"{_b64(payload)}.{_b64(self._mac(scope, payload))}"

    def open(self, scope: str, cursor: str, field: str = "cursor") -> list[CursorValue]:
        """The key a cursor holds; 422 naming `field` unless this service issued it for
        this list."""
        payload_text, _, mac_text = cursor.partition(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (ValueError, binascii.Error) as exc:
            raise InvalidCursor("not a cursor this service issued", field) from exc
        if not hmac.compare_digest(mac, self._mac(scope, payload)):
            raise InvalidCursor("not a cursor this service issued for this list", field)
        key: object = orjson.loads(payload)  # signed by us: our own JSON list
        if not isinstance(key, list) or not key:
            raise InvalidCursor("not a cursor this service issued", field)
        return cast(list[CursorValue], key)


async def load_cursors(engine: AsyncEngine) -> Cursors:
    """Cursors signed with the database's key (made by the migration)."""
    async with engine.connect() as conn:
        secret = await conn.scalar(
            select(ServiceSecret.value).where(ServiceSecret.name == "cursor")
        )
    if secret is None:
        raise RuntimeError("the database holds no cursor key: run `claimgraph db upgrade`")
    return Cursors(bytes.fromhex(secret))


# How a part of a cursor's key is read: `int`, `float`, `uuid.UUID`, `datetime.fromisoformat`.
Reader = Callable[[str], T]


def _checked(kind: Reader[T], value: CursorValue) -> T:
    if kind is int and (not isinstance(value, int) or not -INT64 <= value < INT64):
        raise ValueError(value)
    if kind is float and not isinstance(value, int | float):
        raise ValueError(value)
    if kind in (uuid.UUID, datetime.fromisoformat) and not isinstance(value, str):
        raise ValueError(value)
    return kind(cast(str, value))  # a number for `int` and `float`, checked above


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    key: list[CursorValue] | None = None
    scope: str = ""
    cursors: Cursors | None = None

    @property
    def after(self) -> uuid.UUID | None:
        """The last id of the previous page (for lists in id order)."""
        return None if self.key is None else self.key_as(uuid.UUID)[0]

    @overload
    def key_as(self, first: Reader[A], /) -> tuple[A]: ...
    @overload
    def key_as(self, first: Reader[A], second: Reader[B], /) -> tuple[A, B]: ...
    def key_as(self, *types: Reader[object]) -> tuple[object, ...]:
        """The cursor's sort key, each part converted (a 422 if the cursor does not fit)."""
        if self.key is None or len(self.key) != len(types):
            raise InvalidCursor("does not belong to this list or sort order")
        try:
            return tuple(
                None if v is None else _checked(t, v) for t, v in zip(types, self.key, strict=True)
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise InvalidCursor("does not belong to this list or sort order") from exc

    def cursor(self, *key: CursorValue | uuid.UUID | datetime) -> str:
        """The cursor for the page after the row whose sort key is `key` (its id last)."""
        if self.cursors is None:
            raise RuntimeError("this page was not opened from a request: it has no cursors")
        return self.cursors.sign(self.scope, key)


S = TypeVar("S", bound=Select[*tuple[object, ...]])


class HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


R = TypeVar("R", bound=HasId)


def keyset(stmt: S, id_column: InstrumentedAttribute[uuid.UUID], page: PageParams) -> S:
    """`stmt` restricted to the rows after the cursor, in id order, one past the limit."""
    if page.after is not None:
        stmt = stmt.where(id_column > page.after)
    return stmt.order_by(id_column).limit(page.limit + 1)


def split_page(rows: list[R], page: PageParams) -> tuple[list[R], str | None]:
    """The page's rows and the cursor for the next page (None when this is the last)."""
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, page.cursor(rows[-1].id)
