"""Limits: body size (413), query length (414), page size (422 above 500, every list bounded),
the statement timeout, and rate limits shared by every worker (429)."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.paging import MAX_LIMIT
from app.http.ratelimit import WINDOW_SECONDS
from tests.conftest import client_for, problem
from tests.trust.conftest import MakeKey, app_with, postgres_only, scalar

SMALL = 2048


async def chunks(n: int, size: int = 1024) -> AsyncIterator[bytes]:
    yield b'{"kind": "person", "name": "Chunked", "description": "'
    for _ in range(n):
        yield b"x" * size
    yield b'"}'


class TestBodySize:
    """A body over CLAIMGRAPH_MAX_BODY_BYTES gets 413, declared or streamed; nothing written."""

    @pytest.fixture
    async def small(
        self, database_url: str, client: httpx.AsyncClient, admin_key: str
    ) -> AsyncIterator[httpx.AsyncClient]:
        """An admin's client of another app on the test database whose bodies may hold
        SMALL bytes at most (`client` empties the database afterwards)."""
        async with (
            app_with(database_url, max_body_bytes=SMALL) as application,
            client_for(application, admin_key) as http,
        ):
            yield http

    async def test_declared_length(
        self, small: httpx.AsyncClient, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        fits = await small.post("/v1/actors", json={"kind": "person", "name": "Fits"})
        assert fits.status_code == 201, fits.text
        big = {"kind": "person", "name": "Big", "description": "x" * SMALL}
        r = await small.post("/v1/actors", json=big)
        assert problem(r, 413)["type"] == "/problems/payload-too-large"
        patch = {"description": "x" * SMALL}
        problem(await small.patch(f"/v1/actors/{fits.json()['id']}", json=patch), 413)
        r = await small.post("/v1/actors", json=big, headers={"Idempotency-Key": "big"})
        problem(r, 413)
        names = {a["name"] for a in (await client.get("/v1/actors")).json()["items"]}
        assert names == {"Fits"}

    async def test_streamed_body(self, small: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
        for headers in ({}, {"Idempotency-Key": "stream"}):
            r = await small.post("/v1/actors", content=chunks(10), headers=headers)
            assert "content-length" not in r.request.headers
            assert problem(r, 413)["type"] == "/problems/payload-too-large"
        small_body = await small.post(
            "/v1/actors",
            content=chunks(1, 100),
            headers={"Content-Type": "application/json"},
        )
        assert small_body.status_code == 201, small_body.text
        assert [a["name"] for a in (await client.get("/v1/actors")).json()["items"]] == ["Chunked"]

    async def test_declared_length_refused_before_reading(
        self, small: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        """A declared length over the limit is refused at once, before the body is read."""
        request = small.build_request("POST", "/v1/actors", json={"kind": "person", "name": "L"})
        request.headers["Content-Length"] = str(SMALL + 1)
        problem(await small.send(request), 413)
        assert (await client.get("/v1/actors")).json()["items"] == []

    async def test_lying_content_length(
        self, small: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        """A body longer than its declared length is cut at the limit all the same."""
        request = small.build_request("POST", "/v1/actors", content=chunks(10))
        request.headers["Content-Length"] = "10"
        problem(await small.send(request), 413)


class TestQueryLength:
    async def test_long_query_string(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/claims", params={"q": "x" * 5000})
        assert problem(r, 414)["type"] == "/problems/uri-too-long"
        assert (await client.get("/v1/claims", params={"q": "x" * 200})).status_code == 200


def _schema_200(op: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = op["responses"].get("200", {}).get("content", {})
    for media in content.values():
        schema: dict[str, Any] = media.get("schema", {})
        return schema
    return {}


def _list_operations(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    """Every GET whose answer is a page (or the change feed)."""
    found = []
    for path, ops in app.openapi()["paths"].items():
        op = ops.get("get")
        if op is None:
            continue
        ref = _schema_200(op).get("$ref", "")
        if ref.startswith("#/components/schemas/Page_") or ref.endswith("/ChangeFeed"):
            found.append((path, op))
    return found


# GET endpoints that answer a JSON array or a composite without a `limit`, and why each is
# bounded all the same.
BOUNDED_OTHERWISE = {
    "/v1/vocabulary/stances": "the fixed vocabulary (11 labels)",
    "/v1/claims/{claim_id}/provenance": "at most 500 sources per side, marked truncated",
    "/v1/claims/{claim_id}/sides": "one group per actor on the claim (see docs/security.md)",
    "/v1/export": "a streamed bulk export, by design",
}


class TestPageSize:
    """Every list has `limit` at most 500; 501 is a 422 everywhere."""

    async def test_every_list_is_bounded(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        lists = _list_operations(app)
        assert len(lists) >= 15
        for path, op in lists:
            params = {p["name"]: p for p in op.get("parameters", [])}
            assert "limit" in params, path
            assert params["limit"]["schema"]["maximum"] <= MAX_LIMIT, path
            url = path
            for name, p in params.items():
                if p["in"] == "path":
                    url = url.replace(f"{{{name}}}", str(uuid.uuid4()))
            for bad in (MAX_LIMIT + 1, 0, -1, 10**9):
                r = await client.get(url, params={"limit": bad})
                body = problem(r, 422)
                assert "limit" in {e["field"] for e in body["errors"]}, (path, body)

    async def test_no_unbounded_arrays_elsewhere(self, app: FastAPI) -> None:
        listed = {path for path, _ in _list_operations(app)}
        for path, ops in app.openapi()["paths"].items():
            op = ops.get("get")
            if op is None or path in listed:
                continue
            schema = _schema_200(op)
            ref = schema.get("$ref", "")
            plain_record = ref and not any(word in ref for word in ("Sides", "Provenance", "Page"))
            if plain_record or path in ("/healthz", "/readyz", "/metrics"):
                continue
            if path.endswith("/text") and schema.get("type") == "string":
                continue  # one stored document, itself capped at write by the body limit
            assert path in BOUNDED_OTHERWISE, f"{path}: a GET answering {schema} has no limit"

    async def test_full_page(self, client: httpx.AsyncClient) -> None:
        for path in ("/v1/actors", "/v1/claims", "/v1/stances", "/v1/changes", "/v1/keys"):
            assert (await client.get(path, params={"limit": MAX_LIMIT})).status_code == 200


class TestStatementTimeout:
    """PostgreSQL cancels any statement of the app's engine that runs past the timeout."""

    async def test_slow_statement_is_cancelled(self, backend: str, database_url: str) -> None:
        postgres_only(backend)
        async with app_with(database_url, statement_timeout_ms=50) as quick:
            engine: AsyncEngine = quick.state.engine
            assert await scalar(engine, "SHOW statement_timeout") == "50ms"
            started = time.perf_counter()
            with pytest.raises(DBAPIError, match="statement timeout"):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT pg_sleep(1)"))
            assert time.perf_counter() - started < 0.8
            # the connection is usable afterwards
            assert await scalar(engine, "SELECT 1") == 1

    async def test_default_applies_to_requests(self, backend: str, engine: AsyncEngine) -> None:
        postgres_only(backend)
        assert await scalar(engine, "SHOW statement_timeout") == "5s"


async def _wait_for_fresh_window(margin: float = 3) -> None:
    """Avoid starting a rate-limit test in the last seconds of a window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < margin:
        await asyncio.sleep(left + 0.1)


class TestRateLimit:
    """Over the limit: 429 with Retry-After and RateLimit-*; the count is shared by workers."""

    async def test_fourth_request_is_refused_across_two_workers(
        self, database_url: str, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        key = await make_key("write")
        async with (
            app_with(database_url, rate_limit_per_minute=3) as one,
            app_with(database_url, rate_limit_per_minute=3) as two,
            client_for(one, key) as first,
            client_for(two, key) as second,
        ):
            await _wait_for_fresh_window()
            answers = [
                await first.get("/v1/actors"),
                await second.post("/v1/actors", json={"kind": "person", "name": "Rate"}),
                await first.get("/v1/claims"),
            ]
            assert [r.status_code for r in answers] == [200, 201, 200]
            assert [r.headers["ratelimit-remaining"] for r in answers] == ["2", "1", "0"]
            for r in answers:
                assert r.headers["ratelimit-limit"] == "3"
                assert 0 < int(r.headers["ratelimit-reset"]) <= WINDOW_SECONDS
            refused = await second.get("/v1/actors")
            assert problem(refused, 429)["type"] == "/problems/rate-limited"
            assert 0 < int(refused.headers["retry-after"]) <= WINDOW_SECONDS
            assert refused.headers["ratelimit-remaining"] == "0"
            problem(await first.post("/v1/claims", json={"statement": "over the limit"}), 429)
            # another key has its own budget
            async with client_for(one, await make_key("read")) as other:
                assert (await other.get("/v1/actors")).status_code == 200
        assert [a["name"] for a in (await client.get("/v1/actors")).json()["items"]] == ["Rate"]

    async def test_anonymous_reads_are_limited_by_address(
        self, database_url: str, client: httpx.AsyncClient
    ) -> None:
        async with (
            app_with(database_url, rate_limit_per_minute=3) as limited,
            client_for(limited) as anonymous,
        ):
            await _wait_for_fresh_window()
            statuses = [(await anonymous.get("/v1/actors")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]

    async def test_off_by_default(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/actors")
        assert "ratelimit-limit" not in r.headers


class TestOutOfRangeDates:
    """Found by schemathesis: a date that leaves the calendar once converted to UTC was a 500."""

    async def test_is_a_422(self, client: httpx.AsyncClient) -> None:
        body = {"statement": "Dates at the edge", "occurred_from": "0001-01-01T00:00:00+00:01"}
        r = await client.post("/v1/claims", json=body)
        assert "occurred_from" in {e["field"] for e in problem(r, 422)["errors"]}


class TestStrictQuery:
    """Found by schemathesis: a misspelt filter was ignored (the answer silently widened) and a
    number was read as a Unix time."""

    async def test_unknown_query_parameter(self, client: httpx.AsyncClient) -> None:
        for path, params in (
            ("/v1/stances", {"sid": "support"}),
            ("/v1/changes", {"cursor": "x"}),
            ("/v1/keys", {"all": "true"}),
        ):
            r = await client.get(path, params=params)
            (name,) = params
            assert name in {e["field"] for e in problem(r, 422)["errors"]}, path

    async def test_numeric_date_time(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/claims", params={"since": "1700000000"})
        assert "since" in {e["field"] for e in problem(r, 422)["errors"]}
        r = await client.post("/v1/claims", json={"statement": "Numbers", "occurred_from": 0})
        assert "occurred_from" in {e["field"] for e in problem(r, 422)["errors"]}
