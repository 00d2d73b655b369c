"""JSON straight from database rows, for the hot list endpoints and the claim's summary.

Validating a page of rows into Pydantic models before dumping them costs several times what
dumping the same dicts with orjson does. The rows come from the database, whose constraints already
hold every rule the output models state, so validating them again proves nothing. The route
still declares its response model: the docs and the schema are unchanged, and the tests check
these bodies against that model.
"""

import uuid
from collections.abc import Mapping, Sequence

import orjson
from fastapi import Request, Response

from app.http.pagination import link_next

JSON_OPTIONS = orjson.OPT_UTC_Z  # UTC as `Z`, as Pydantic writes it


def _default(value: object) -> str:
    # asyncpg returns its own UUID subclass, which orjson leaves to this hook.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_page(
    items: Sequence[Mapping[str, object]],
    next_cursor: str | None,
    request: Request,
    response: Response,
) -> Response:
    """A `Page` of trusted rows as JSON, with the `Link` to the next page and the headers the
    dependencies set on `response` (rate limits)."""
    link_next(request, response, next_cursor)
    return json_record({"items": items, "next_cursor": next_cursor}, response)


def json_record(
    fields: Mapping[str, object], response: Response, status_code: int = 200
) -> Response:
    """One record of trusted values as JSON, with the headers the dependencies set on
    `response`; the ETag is added downstream (app.http.conditional)."""
    body = orjson.dumps(fields, default=_default, option=JSON_OPTIONS)
    out = Response(body, status_code=status_code, media_type="application/json")
    out.raw_headers.extend(response.raw_headers)
    return out
