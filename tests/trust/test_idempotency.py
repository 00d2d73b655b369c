"""Idempotency-Key on POST: a retry replays the first answer instead of writing again."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import client_for, problem
from tests.trust.conftest import MakeKey, posted_twice, scalar

ACTOR = {"kind": "organization", "name": "Ministry of Defence", "country": "KR"}


async def actors_named(engine: AsyncEngine, name: str) -> int:
    return int(await scalar(engine, "SELECT count(*) FROM actors WHERE name = :n", n=name))


class TestReplay:
    """Same key, same request: the first response again, byte for byte; one record."""

    async def test_retry_is_replayed(self, client: httpx.AsyncClient, engine: AsyncEngine) -> None:
        headers = {"Idempotency-Key": "retry-1"}
        first = await client.post("/v1/actors", json=ACTOR, headers=headers)
        assert first.status_code == 201, first.text
        assert "idempotent-replayed" not in first.headers
        for _ in range(3):
            again = await client.post("/v1/actors", json=ACTOR, headers=headers)
            assert again.status_code == 201
            assert again.headers["idempotent-replayed"] == "true"
            assert again.content == first.content
            assert again.json()["id"] == first.json()["id"]
            assert again.headers["location"] == first.headers["location"]
            assert again.headers["etag"] == first.headers["etag"]
        assert await actors_named(engine, ACTOR["name"]) == 1
        changes = await scalar(engine, "SELECT count(*) FROM changes WHERE entity = 'actor'")
        assert changes == 1

    async def test_a_replay_is_counted_under_its_route(self, client: httpx.AsyncClient) -> None:
        def answered(route: str) -> float:
            labels = {"method": "POST", "route": route, "status": "201"}
            return REGISTRY.get_sample_value("claimgraph_requests_total", labels) or 0.0

        headers = {"Idempotency-Key": "counted"}
        assert (await client.post("/v1/actors", json=ACTOR, headers=headers)).status_code == 201
        before = (answered("/v1/actors"), answered("unmatched"))
        again = await client.post("/v1/actors", json=ACTOR, headers=headers)
        assert again.headers["idempotent-replayed"] == "true"
        assert (answered("/v1/actors"), answered("unmatched")) == (before[0] + 1, before[1])

    async def test_without_key_a_retry_writes_again(self, client: httpx.AsyncClient) -> None:
        body = {"statement": "Without a key each POST is a new request"}
        assert (await client.post("/v1/claims", json=body)).status_code == 201
        problem(await client.post("/v1/claims", json=body), 409)  # a duplicate, not a replay

    @pytest.mark.slow
    async def test_an_immediate_retry_is_always_a_replay(
        self, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        """The replay copy is committed with the write, before the answer goes out."""
        for n in range(100):
            first, again = await posted_twice(
                client, f"at-once-{n}", f"Retried at once, number {n}"
            )
            assert again.status_code == 201, again.text
            assert again.headers["idempotent-replayed"] == "true"
            assert again.content == first.content
        assert await scalar(engine, "SELECT count(*) FROM claims") == 100

    async def test_an_error_is_not_stored_and_its_retry_runs_again(
        self, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        """An error wrote nothing, so a retry with the same key runs again."""
        headers = {"Idempotency-Key": "bad-1"}
        first = await client.post("/v1/actors", json={"kind": "nope"}, headers=headers)
        problem(first, 422)
        again = await client.post("/v1/actors", json={"kind": "nope"}, headers=headers)
        problem(again, 422)
        assert "idempotent-replayed" not in again.headers
        fixed = await client.post("/v1/actors", json=ACTOR, headers=headers)
        assert fixed.status_code == 201, fixed.text
        assert "idempotent-replayed" not in fixed.headers
        replayed = await client.post("/v1/actors", json=ACTOR, headers=headers)
        assert replayed.headers["idempotent-replayed"] == "true"
        assert await actors_named(engine, ACTOR["name"]) == 1


class TestReuse:
    """Same key, different request: 422, and nothing written."""

    async def test_different_body(self, client: httpx.AsyncClient, engine: AsyncEngine) -> None:
        headers = {"Idempotency-Key": "reuse-1"}
        assert (await client.post("/v1/actors", json=ACTOR, headers=headers)).status_code == 201
        other = {**ACTOR, "name": "Someone else"}
        body = problem(await client.post("/v1/actors", json=other, headers=headers), 422)
        assert body["type"] == "/problems/idempotency-key-reused"
        assert await actors_named(engine, "Someone else") == 0

    async def test_different_path(self, client: httpx.AsyncClient) -> None:
        headers = {"Idempotency-Key": "reuse-2"}
        assert (await client.post("/v1/actors", json=ACTOR, headers=headers)).status_code == 201
        r = await client.post("/v1/claims", json={"statement": "x happened"}, headers=headers)
        assert problem(r, 422)["type"] == "/problems/idempotency-key-reused"

    async def test_malformed_key(self, client: httpx.AsyncClient) -> None:
        for key in ("x" * 256, "tab\there"):
            r = await client.post("/v1/actors", json=ACTOR, headers={"Idempotency-Key": key})
            assert problem(r, 422)["type"] == "/problems/invalid-idempotency-key"
        assert (await client.get("/v1/actors")).json()["items"] == []


class TestConcurrentDuplicates:
    """Duplicates racing each other: one write; the others wait for it and replay it."""

    async def test_one_write(self, client: httpx.AsyncClient, engine: AsyncEngine) -> None:
        for attempt in range(5):
            name = f"Raced {attempt}"
            headers = {"Idempotency-Key": f"race-{attempt}"}
            answers = await asyncio.wait_for(
                asyncio.gather(
                    *(
                        client.post("/v1/actors", json={**ACTOR, "name": name}, headers=headers)
                        for _ in range(6)
                    )
                ),
                30,
            )
            statuses = sorted(r.status_code for r in answers)
            fresh = [
                r
                for r in answers
                if r.status_code == 201 and "idempotent-replayed" not in r.headers
            ]
            assert len(fresh) == 1, statuses
            for r in answers:
                assert r.status_code == 201, statuses
                assert r.content == fresh[0].content
            assert await actors_named(engine, name) == 1


class TestAuthenticationFirst:
    """The key is looked at only for a caller allowed to make the request."""

    async def test_anonymous_and_under_scoped_posts_never_touch_the_store(
        self, app: FastAPI, client: httpx.AsyncClient, engine: AsyncEngine, make_key: MakeKey
    ) -> None:
        """With the store locked against every writer, 30 anonymous POSTs sharing a key (and
        5 by a read-only key) are all refused at once: none of them waits on the store."""
        reader_key = await make_key("read")
        headers = {"Idempotency-Key": "shared-by-strangers"}
        bodies = [{**ACTOR, "name": f"Stranger {n}"} for n in range(30)]
        async with engine.connect() as locker:
            if engine.dialect.name == "postgresql":
                await locker.execute(
                    text("LOCK TABLE idempotent_requests IN ACCESS EXCLUSIVE MODE")
                )
            else:
                await locker.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock
            async with (
                client_for(app, None, **headers) as anonymous,
                client_for(app, reader_key, **headers) as reader,
            ):
                answers = await asyncio.wait_for(
                    asyncio.gather(
                        *(anonymous.post("/v1/actors", json=b) for b in bodies),
                        *(reader.post("/v1/actors", json=b) for b in bodies[:5]),
                    ),
                    5,
                )
            await locker.rollback()
        assert [r.status_code for r in answers] == [401] * 30 + [403] * 5
        assert await scalar(engine, "SELECT count(*) FROM idempotent_requests") == 0
        assert await actors_named(engine, ACTOR["name"]) == 0


class TestExpiry:
    """Keys are kept 24 hours; after that the same key is a new request."""

    async def test_expired_key_is_forgotten(
        self, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        headers = {"Idempotency-Key": "day-old"}
        first = await client.post("/v1/actors", json=ACTOR, headers=headers)
        assert first.status_code == 201
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE idempotent_requests SET created_at = :t WHERE key = 'day-old'"),
                {"t": datetime.now(UTC) - timedelta(hours=23, minutes=59)},
            )
        still = await client.post("/v1/actors", json=ACTOR, headers=headers)
        assert still.headers["idempotent-replayed"] == "true"
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE idempotent_requests SET created_at = :t WHERE key = 'day-old'"),
                {"t": datetime.now(UTC) - timedelta(hours=24, minutes=1)},
            )
        other = {**ACTOR, "name": "Next day"}
        fresh = await client.post("/v1/actors", json=other, headers=headers)
        assert fresh.status_code == 201, fresh.text
        assert "idempotent-replayed" not in fresh.headers
        assert fresh.json()["id"] != first.json()["id"]


class TestScopedPerKey:
    """Two API keys using the same Idempotency-Key never see each other's answers."""

    async def test_keys_do_not_share(
        self, app: FastAPI, client: httpx.AsyncClient, engine: AsyncEngine, make_key: MakeKey
    ) -> None:
        headers = {"Idempotency-Key": "shared-name"}
        mine = await client.post("/v1/actors", json=ACTOR, headers=headers)
        assert mine.status_code == 201
        async with client_for(app, await make_key("write"), **headers) as other:
            # the same request by another key is not a replay of mine: it is a new write
            # (here a duplicate of the actor I made)
            theirs = await other.post("/v1/actors", json=ACTOR)
            problem(theirs, 409)
            assert "idempotent-replayed" not in theirs.headers
            # and a different request by another key is not a reuse of my key
            made = await other.post("/v1/actors", json={**ACTOR, "name": "Theirs"})
            assert made.status_code == 201, made.text
            assert "idempotent-replayed" not in made.headers
        async with client_for(app, None, **headers) as anonymous:
            refused = await anonymous.post("/v1/actors", json=ACTOR)
            problem(refused, 401)
            assert "idempotent-replayed" not in refused.headers
        assert await actors_named(engine, ACTOR["name"]) == 1
