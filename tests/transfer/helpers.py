"""Shared by the transfer tests: NDJSON bodies, a second app on an empty database, and the
query answers a round trip must preserve."""

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import orjson

from app import migrate
from app.main import create_app
from app.settings import Settings
from tests.conftest import client_for, new_key
from tests.reading import walk

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]
NDJSON = {"Content-Type": "application/x-ndjson"}
AUDIT = frozenset({"created_at", "updated_at", "version", "recorded_by"})


def body(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r, option=orjson.OPT_UTC_Z) + b"\n" for r in records)


def lines(content: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in content.splitlines() if line.strip()]


async def post(client: httpx.AsyncClient, content: bytes, **params: Any) -> httpx.Response:
    return await client.post("/v1/import", content=content, headers=NDJSON, params=params)


async def imported(client: httpx.AsyncClient, content: bytes, **params: Any) -> dict[str, Any]:
    """Import and return the report (asserting it was accepted)."""
    r = await post(client, content, **params)
    assert r.status_code == 200, r.text
    report: dict[str, Any] = r.json()
    return report


def created(report: dict[str, Any]) -> dict[str, int]:
    return {kind: c["created"] for kind, c in report["counts"].items()}


async def export(client: httpx.AsyncClient, **params: Any) -> bytes:
    r = await client.get("/v1/export", params=params)
    assert r.status_code == 200, r.text
    return r.content


@asynccontextmanager
async def serving(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the (empty) database at `url`, migrated, with an admin client."""
    app = create_app(Settings(database_url=url))
    await migrate.upgrade(app.state.engine)
    async with app.router.lifespan_context(app):
        key = await new_key(app.state.sessionmaker)
        async with client_for(app, key, timeout=60) as http:
            yield http


def strip(value: Any) -> Any:
    """The answer without what differs between two databases holding the same records."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in AUDIT}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


async def answers(client: httpx.AsyncClient, claims: int | None = None) -> dict[str, Any]:
    """What the service answers about the data: actors, and for each claim (the first
    `claims` of them) its summary, its stances by side, and its provenance."""
    out: dict[str, Any] = {"actors": strip(await walk(client, "/v1/actors"))}
    all_claims = await walk(client, "/v1/claims")
    out["claims"] = strip(all_claims)
    for claim in all_claims[:claims]:
        claim_id = claim["id"]
        detail = await client.get(f"/v1/claims/{claim_id}")
        out[f"claim {claim_id}"] = strip(detail.json())
        for side in ("support", "neutral", "dispute"):
            stances = await walk(client, "/v1/stances", claim_id=claim_id, side=side)
            out[f"stances {claim_id} {side}"] = strip(stances)
        provenance = await client.get(f"/v1/claims/{claim_id}/provenance")
        out[f"provenance {claim_id}"] = strip(provenance.json())
    return out


def report_sources(count: int) -> list[dict[str, Any]]:
    """Import lines of `count` report sources, keyed s1, s2, ..., each at a URL of its own."""
    return [
        {
            "type": "source",
            "key": f"s{i}",
            "kind": "report",
            "title": f"R{i}",
            "url": f"https://reports.example.org/{i}",
        }
        for i in range(1, count + 1)
    ]
