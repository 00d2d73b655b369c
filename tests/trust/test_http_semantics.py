"""HTTP semantics every client may rely on: HEAD beside GET, strong If-Match, one ETag per
version of a record, JSON bodies declared as JSON, and the headers every answer carries."""

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import client_for, problem
from tests.factories import make_actor, make_claim, make_stance
from tests.trust.conftest import app_with


def readable_paths(app: FastAPI, ids: dict[str, str]) -> list[str]:
    """Every GET of the app's OpenAPI document, its path parameters filled from `ids`."""
    paths = []
    for path, item in app.openapi()["paths"].items():
        if "get" not in item:
            continue
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        paths.append(path)
    return paths


async def test_head_answers_every_get_without_a_body(
    app: FastAPI, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> None:
    stance = (await client.get("/v1/stances", params={"limit": 1})).json()["items"][0]
    ids = {
        "claim_id": stance["claim_id"],
        "actor_id": stance["actor_id"],
        "source_id": stance["source_id"],
        "stance_id": stance["id"],
        "record_id": stance["claim_id"],
        "key_id": "x",
        "affiliation_id": str(uuid.UUID(int=1)),
        "citation_id": str(uuid.UUID(int=1)),
        "relation_id": str(uuid.UUID(int=1)),
    }
    paths = readable_paths(app, ids)
    assert len(paths) > 25
    for path in paths:
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        names = (
            ("content-type", "etag")
            if path == "/metrics"
            else ("content-type", "etag", "content-length")
        )
        for name in names:  # (the metrics count the requests themselves)
            assert head.headers.get(name) == got.headers.get(name), (path, name)


async def test_a_weak_etag_never_satisfies_if_match(client: httpx.AsyncClient) -> None:
    actor = await make_actor(client)
    path = f"/v1/actors/{actor['id']}"
    etag = (await client.get(path)).headers["etag"]
    r = await client.patch(path, json={"description": "x"}, headers={"If-Match": f"W/{etag}"})
    assert problem(r, 412)["type"] == "/problems/precondition-failed"
    assert (await client.get(path)).json()["version"] == 1
    ok = await client.patch(path, json={"description": "x"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text


async def test_a_claims_etag_is_the_same_from_post_patch_and_get(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/v1/claims", json={"statement": "One ETag per version"})
    assert created.status_code == 201, created.text
    path = f"/v1/claims/{created.json()['id']}"
    got = await client.get(path)
    assert created.headers["etag"] == got.headers["etag"]
    assert created.json() == got.json()
    patched = await client.patch(path, json={"tags": ["etags"]})
    assert patched.headers["etag"] == (await client.get(path)).headers["etag"]
    assert patched.json()["version"] == 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_not_sent_as_json_is_415(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"kind": "person", "name": "Sent as text"}'
    r = await client.post("/v1/actors", content=body, headers=headers)
    assert problem(r, 415)["type"] == "/problems/unsupported-media-type"
    claim = await make_claim(client)
    r = await client.patch(f"/v1/claims/{claim['id']}", content=b'{"tags": []}', headers=headers)
    problem(r, 415)
    assert (await client.get("/v1/actors")).json()["items"] == []


async def test_json_with_a_charset_or_a_json_suffix_is_json(client: httpx.AsyncClient) -> None:
    body = b'{"kind": "person", "name": "Charset"}'
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        r = await client.post("/v1/actors", content=body, headers={"Content-Type": content_type})
        assert r.status_code in (201, 409), r.text


async def test_every_answer_says_nosniff_and_how_to_cache(client: httpx.AsyncClient) -> None:
    stance = await make_stance(client)
    answers = {
        "list": await client.get("/v1/stances"),
        "record": await client.get(f"/v1/stances/{stance['id']}"),
        "not found": await client.get(f"/v1/stances/{uuid.UUID(int=5)}"),
        "created": await client.post("/v1/actors", json={"kind": "person", "name": "Cached"}),
        "health": await client.get("/healthz"),
        "docs": await client.get("/docs"),
        "keys": await client.get("/v1/keys"),
        "no route": await client.get("/nowhere"),
    }
    expected = {"list": "no-cache", "record": "no-cache", "health": "no-cache", "docs": "no-cache"}
    for name, r in answers.items():
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["cache-control"] == expected.get(name, "no-store"), name


async def test_metrics_need_a_key_when_reads_do(
    database_url: str, client: httpx.AsyncClient, admin_key: str
) -> None:
    async with app_with(database_url, reads_require_key=True) as closed:
        async with client_for(closed) as anonymous:
            problem(await anonymous.get("/metrics"), 401)
        async with client_for(closed, admin_key) as keyed:
            r = await keyed.get("/metrics")
            assert r.status_code == 200
            assert "claimgraph_requests_total" in r.text
    assert (await client.get("/metrics")).status_code == 200  # open reads: open metrics
