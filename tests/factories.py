"""Records made through the API, with defaults a test can override; and through a
set-based create, committed."""

import itertools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.batches import Write
from app.db.engines import create_sessionmaker

T = TypeVar("T")
_seq = itertools.count(1)


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(path, json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def make_actor(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    body = {"kind": "person", "name": f"Actor {next(_seq)}", **over}
    return await _post(client, "/v1/actors", body)


async def make_source(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    n = next(_seq)
    body = {
        "kind": "news_article",
        "title": f"Source {n}",
        "url": f"https://news.example.org/story/{n}",
        **over,
    }
    return await _post(client, "/v1/sources", body)


async def make_claim(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    body = {"statement": f"Claim number {next(_seq)} is true", **over}
    return await _post(client, "/v1/claims", body)


async def make_stance(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    """A stance; makes its claim, actor and source unless given their ids."""
    body = dict(over)
    if "claim_id" not in body:
        body["claim_id"] = (await make_claim(client))["id"]
    if "actor_id" not in body:
        body["actor_id"] = (await make_actor(client))["id"]
    if "source_id" not in body:
        body["source_id"] = (await make_source(client))["id"]
    body.setdefault("label", "asserted")
    return await _post(client, "/v1/stances", body)


async def stance_refs(client: httpx.AsyncClient, statement: str, title: str) -> dict[str, Any]:
    """The references a stance needs: the ids of a new claim (`statement`), a new actor (the
    person "Writer") and a new source (a report titled `title`)."""
    claim = await _post(client, "/v1/claims", {"statement": statement})
    actor = await _post(client, "/v1/actors", {"kind": "person", "name": "Writer"})
    source = await _post(client, "/v1/sources", {"kind": "report", "title": title})
    return {"claim_id": claim["id"], "actor_id": actor["id"], "source_id": source["id"]}


async def import_records(client: httpx.AsyncClient, records: list[dict[str, Any]]) -> Any:
    """Import NDJSON records through `POST /v1/import`; the report of an import that must
    succeed."""
    content = b"".join(orjson.dumps(r) + b"\n" for r in records)
    headers = {"Content-Type": "application/x-ndjson"}
    r = await client.post("/v1/import", content=content, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


# A change each kind of record accepts, by its collection's name.
CHANGES: dict[str, dict[str, Any]] = {
    "actors": {"description": "changed"},
    "sources": {"title": "changed"},
    "claims": {"tags": ["changed"]},
    "stances": {"label": "confirmed"},
}


async def committed(engine: AsyncEngine, create: Callable[..., Awaitable[T]], *args: Any) -> T:
    """What a set-based create (`create_stances`, ...) gives for `args`, called with a session
    of its own, by the writer "tests", its session then committed."""
    async with create_sessionmaker(engine)() as session:
        result = await create(session, *args, Write("tests"))
        await session.commit()
    return result
