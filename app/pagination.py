"""Keyset pagination: opaque cursors, bounded limits, and the RFC 8288 `Link` header."""

import base64
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

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


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("cursor: not a cursor this service issued") from exc


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    after: uuid.UUID | None


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=64, description="`next_cursor` from the previous page."),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


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
    last_id = id_of(last) if id_of else last.id
    return rows, encode_cursor(last_id)


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    """Advertise the next page in an RFC 8288 `Link` header."""
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
