"""Reading the service's lists: a GET that must answer 200, and a list read end to end; and
a table's rows counted in the database itself."""

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

Json = dict[str, Any]


async def get_ok(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    """The JSON body of a GET that must answer 200."""
    r = await client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def pages(
    client: httpx.AsyncClient, path: str, *, limit: int, **params: Any
) -> list[httpx.Response]:
    """Every page of a list, following `next_cursor`: each answered 200 with at most `limit`
    items."""
    responses: list[httpx.Response] = []
    cursor: str | None = None
    for _ in range(1000):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        r = await client.get(path, params=query)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) <= limit
        responses.append(r)
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return responses
    raise AssertionError(f"{path}: pagination did not end")


async def walk(
    client: httpx.AsyncClient, path: str, *, limit: int = 500, **params: Any
) -> list[Json]:
    """Every item of a list, following `next_cursor` page by page; no item may repeat."""
    responses = await pages(client, path, limit=limit, **params)
    items: list[Json] = [item for r in responses for item in r.json()["items"]]
    keys = [key_of(item) for item in items]
    assert len(keys) == len(set(keys)), f"{path}: an item repeats across pages"
    return items


def key_of(item: Json) -> str:
    """What identifies a list item: its id, or its claim's id for disagreements."""
    if "id" in item:
        return str(item["id"])
    if "relation_id" in item:
        return str(item["relation_id"])
    return str(item["claim"]["id"])


async def count_rows(engine: AsyncEngine, model: type[Any]) -> int:
    """How many rows the model's table holds, read on a connection of its own."""
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())
