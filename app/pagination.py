"""Keyset pagination: opaque cursors, bounded limits, and the RFC 8288 `Link` header."""

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Query, Request, Response
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import DomainError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class InvalidCursor(DomainError):
    status = 422
    type = "invalid-cursor"
    title = "Invalid cursor"


def encode_cursor(*key: Any) -> str:
    """An opaque cursor for the sort key of the last row of a page (its id last)."""
    plain = [str(v) if isinstance(v, uuid.UUID | datetime) else v for v in key]
    return base64.urlsafe_b64encode(orjson.dumps(plain)).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("cursor: not a cursor this service issued") from exc
    if not isinstance(key, list) or not key:
        raise InvalidCursor("cursor: not a cursor this service issued")
    return key


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    key: list[Any] | None = None

    @property
    def after(self) -> uuid.UUID | None:
        """The last id of the previous page (for lists in id order)."""
        return None if self.key is None else self.key_as(uuid.UUID)[0]

    def key_as(self, *types: Callable[[Any], Any]) -> list[Any]:
        """The cursor's sort key, each part converted (a 422 if the cursor does not fit)."""
        if self.key is None or len(self.key) != len(types):
            raise InvalidCursor("cursor: does not belong to this list or sort order")
        try:
            return [None if v is None else t(v) for t, v in zip(types, self.key, strict=True)]
        except (ValueError, TypeError) as exc:
            raise InvalidCursor("cursor: does not belong to this list or sort order") from exc


async def page_params(  # async: FastAPI would run a plain function in a worker thread
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=512, description="`next_cursor` from the previous page."),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, key=decode_cursor(cursor) if cursor else None)


def keyset(
    stmt: Select[*tuple[Any, ...]],
    id_column: InstrumentedAttribute[uuid.UUID],
    page: PageParams,
) -> Select[*tuple[Any, ...]]:
    """`stmt` restricted to the rows after the cursor, in id order, one past the limit."""
    if page.after is not None:
        stmt = stmt.where(id_column > page.after)
    return stmt.order_by(id_column).limit(page.limit + 1)


def split_page(
    rows: list[Any], page: PageParams, id_of: Any = None
) -> tuple[list[Any], str | None]:
    """The page's rows and the cursor for the next page (None when this is the last)."""
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    last = rows[-1]
    return rows, encode_cursor(id_of(last) if id_of else last.id)


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    """Advertise the next page in an RFC 8288 `Link` header."""
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
