"""History: every create, update, retraction and delete leaves exactly one change row, written
in the same transaction as the change; deleted records answer 410; the feed misses nothing."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import Actor
from app.models.base import new_id
from tests.conftest import client_for, problem
from tests.factories import make_actor, make_claim, make_source, make_stance
from tests.trust.conftest import MakeKey, postgres_only, prefix_of, scalar

Body = dict[str, Any]
Maker = Callable[[httpx.AsyncClient], Awaitable[tuple[Body, Body, str]]]


async def _actor(http: httpx.AsyncClient) -> tuple[Body, Body, str]:
    return {"kind": "person", "name": "Kim Yong-hyun"}, {"name": "Kim Yong Hyun"}, "name"


async def _source(http: httpx.AsyncClient) -> tuple[Body, Body, str]:
    body = {"kind": "statement", "title": "Briefing", "url": "https://gov.example.org/b/1"}
    return body, {"title": "Press briefing"}, "title"


async def _claim(http: httpx.AsyncClient) -> tuple[Body, Body, str]:
    return {"statement": "Troops are deployed"}, {"statement": "Troops were deployed"}, "statement"


async def _stance(http: httpx.AsyncClient) -> tuple[Body, Body, str]:
    claim, actor, source = await make_claim(http), await make_actor(http), await make_source(http)
    body = {
        "claim_id": claim["id"],
        "actor_id": actor["id"],
        "source_id": source["id"],
        "label": "likely",
    }
    return body, {"label": "highly_likely"}, "label"


ENTITIES: dict[str, tuple[str, Maker]] = {
    "actors": ("actor", _actor),
    "sources": ("source", _source),
    "claims": ("claim", _claim),
    "stances": ("stance", _stance),
}


async def history(http: httpx.AsyncClient, resource: str, ident: str) -> list[Body]:
    r = await http.get(f"/v1/{resource}/{ident}/history")
    assert r.status_code == 200, r.text
    items: list[Body] = r.json()["items"]
    return items


async def change_count(engine: AsyncEngine) -> int:
    return int(await scalar(engine, "SELECT count(*) FROM changes"))


@pytest.mark.parametrize("resource", ENTITIES)
class TestRecordHistory:
    """Create, update and delete of each entity: one change row each, with everything."""

    async def test_create_update_delete(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey, resource: str
    ) -> None:
        entity, maker = ENTITIES[resource]
        key = await make_key("write")
        writer = f"key:{prefix_of(key)}"
        async with client_for(app, key) as http:
            create, patch, field = await maker(http)
            made = await http.post(f"/v1/{resource}", json=create)
            assert made.status_code == 201, made.text
            record = made.json()
            ident = record["id"]
            updated = await http.patch(
                f"/v1/{resource}/{ident}", json=patch, headers={"X-Request-ID": "trace-update-1"}
            )
            assert updated.status_code == 200, updated.text
            deleted = await http.delete(f"/v1/{resource}/{ident}")
            assert deleted.status_code == 204, deleted.text

        changes = await history(client, resource, ident)
        assert [(c["action"], c["version"]) for c in changes] == [
            ("create", 1),
            ("update", 2),
            ("delete", 3),
        ]
        for change, response in zip(changes, (made, updated, deleted), strict=True):
            assert change["entity"] == entity
            assert change["entity_id"] == ident
            assert change["writer"] == writer
            assert change["request_id"] == response.headers["x-request-id"]
        assert changes[1]["request_id"] == "trace-update-1"  # a sane incoming id is kept
        create_c, update_c, delete_c = changes
        assert create_c["before"] is None
        assert create_c["after"][field] == record[field]
        assert create_c["after"]["id"] == ident
        assert update_c["before"][field] == record[field]
        assert update_c["after"][field] == updated.json()[field]
        assert update_c["after"].keys() == update_c["before"].keys()
        differ = {k for k in update_c["after"] if update_c["after"][k] != update_c["before"][k]}
        derived = {"name_folded", "statement_key", "side"}  # follow the changed field
        assert field in differ
        assert differ <= {field} | derived, differ
        assert delete_c["before"] == update_c["after"]
        assert delete_c["after"] is None

        # The record is a tombstone, not a gap.
        gone = await client.get(f"/v1/{resource}/{ident}")
        body = problem(gone, 410)
        assert body["type"] == "/problems/deleted"
        assert body["history"] == f"/v1/{resource}/{ident}/history"
        assert gone.headers["link"] == f'</v1/{resource}/{ident}/history>; rel="history"'
        problem(await client.patch(f"/v1/{resource}/{ident}", json=patch), 410)
        problem(await client.delete(f"/v1/{resource}/{ident}"), 410)
        # ... and only a record that existed is gone; an unknown id is still 404.
        problem(await client.get(f"/v1/{resource}/{uuid.uuid4()}"), 404)

    async def test_unknown_record_has_no_history(
        self, client: httpx.AsyncClient, resource: str
    ) -> None:
        body = problem(await client.get(f"/v1/{resource}/{uuid.uuid4()}/history"), 404)
        assert body["type"] == f"/problems/unknown-{ENTITIES[resource][0]}"


async def test_record_written_without_history_has_an_empty_one(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    # Rows written straight to the database (not through the API) have no changes recorded:
    # their history is empty, not a 404.
    ident = new_id()
    async with engine.begin() as conn:
        await conn.execute(
            Actor.__table__.insert().values(
                id=ident, kind="person", name="Direct", name_folded="direct"
            )
        )
    assert await history(client, "actors", str(ident)) == []


class TestStanceRetraction:
    """Retracting and un-retracting a stance are named as such in its history."""

    async def test_retract_and_unretract(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="confirmed")
        retraction = await make_source(client)
        r = await client.patch(
            f"/v1/stances/{stance['id']}",
            json={"retracted_at": "2026-01-02T00:00:00Z", "retraction_source_id": retraction["id"]},
        )
        assert r.status_code == 200, r.text
        r = await client.patch(
            f"/v1/stances/{stance['id']}",
            json={"retracted_at": None, "retraction_source_id": None},
        )
        assert r.status_code == 200, r.text
        changes = await history(client, "stances", stance["id"])
        assert [(c["action"], c["version"]) for c in changes] == [
            ("create", 1),
            ("retract", 2),
            ("unretract", 3),
        ]
        assert changes[1]["before"]["retracted_at"] is None
        assert changes[1]["after"]["retracted_at"].startswith("2026-01-02")
        assert changes[1]["after"]["retraction_source_id"] == retraction["id"]
        assert changes[2]["after"]["retracted_at"] is None

    async def test_noop_patch_records_nothing_new(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, name="Same")
        r = await client.patch(f"/v1/actors/{actor['id']}", json={})
        assert r.status_code == 200, r.text
        actions = [c["action"] for c in await history(client, "actors", actor["id"])]
        assert actions.count("create") == 1
        assert len(actions) <= 2


class TestHistoryInTransaction:
    """No change without its record and no record without its change."""

    async def test_rejected_writes_leave_no_change(
        self, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        actor = await make_actor(client, name="Unique")
        stance = await make_stance(client, label="denied")
        before = await change_count(engine)
        # 409: a duplicate actor
        problem(await client.post("/v1/actors", json={"kind": "person", "name": "Unique"}), 409)
        # 422: references that do not exist, a probability outside the band
        problem(
            await client.post(
                "/v1/stances",
                json={
                    "claim_id": str(uuid.uuid4()),
                    "actor_id": actor["id"],
                    "source_id": stance["source"]["id"],
                    "label": "asserted",
                },
            ),
            422,
        )
        problem(await client.patch(f"/v1/stances/{stance['id']}", json={"probability": 0.9}), 422)
        # 409: deleting an actor that stances still refer to
        problem(await client.delete(f"/v1/actors/{stance['actor']['id']}"), 409)
        assert await change_count(engine) == before
        after = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert after["version"] == 1

    async def test_rollback_leaves_no_change(
        self, app: FastAPI, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        before = await change_count(engine)
        async with app.state.sessionmaker() as session:
            session.add(Actor(kind="person", name="Ghost", name_folded="ghost"))
            await session.flush()  # the change is tracked ...
            await session.rollback()  # ... and forgotten with the transaction
            kept = Actor(kind="person", name="Kept", name_folded="kept")
            session.add(kept)
            await session.commit()
        assert await change_count(engine) == before + 1
        assert await scalar(engine, "SELECT count(*) FROM actors WHERE name = 'Ghost'") == 0
        assert [c["action"] for c in await history(client, "actors", str(kept.id))] == ["create"]

    async def test_failed_commit_leaves_neither(
        self, app: FastAPI, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        await make_actor(client, name="Taken")
        before = await change_count(engine)
        fresh = new_id()
        async with app.state.sessionmaker() as session:
            session.add(Actor(id=fresh, kind="organization", name="New", name_folded="new"))
            # The same natural key as an existing actor: the commit itself fails.
            session.add(Actor(kind="person", name="Taken", name_folded="taken"))
            with pytest.raises(IntegrityError):
                await session.commit()
        assert await change_count(engine) == before
        assert await scalar(engine, "SELECT count(*) FROM actors WHERE name = 'New'") == 0
        problem(await client.get(f"/v1/actors/{fresh}/history"), 404)  # never existed

    async def test_committed_write_has_its_change(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        async with app.state.sessionmaker() as session:
            actor = Actor(kind="person", name="Direct", name_folded="direct")
            session.add(actor)
            await session.commit()
        assert [c["action"] for c in await history(client, "actors", str(actor.id))] == ["create"]


class TestChangeFeed:
    """GET /v1/changes?since= walks every change exactly once, even while writes go on."""

    async def walk(
        self, http: httpx.AsyncClient, since: str | None, limit: int
    ) -> tuple[list[Body], str]:
        params: dict[str, Any] = {"limit": limit}
        if since:
            params["since"] = since
        r = await http.get("/v1/changes", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        return page["items"], page["next_cursor"]

    @pytest.mark.slow
    async def test_walk_while_writing(self, client: httpx.AsyncClient, engine: AsyncEngine) -> None:
        seen: list[Body] = []
        cursor: str | None = None
        done = asyncio.Event()

        async def writer(n: int) -> None:
            for i in range(15):
                actor = await make_actor(client, name=f"W{n}-{i}")
                if i % 3 == 0:
                    r = await client.patch(f"/v1/actors/{actor['id']}", json={"country": "KR"})
                    assert r.status_code == 200, r.text

        async def poller() -> None:
            nonlocal cursor
            while not done.is_set():
                items, cursor = await self.walk(client, cursor, 7)
                seen.extend(items)
                await asyncio.sleep(0)

        poll = asyncio.create_task(poller())
        await asyncio.wait_for(asyncio.gather(*(writer(n) for n in range(4))), 60)
        done.set()
        await poll
        while True:  # drain
            items, cursor = await self.walk(client, cursor, 7)
            if not items:
                break
            seen.extend(items)
        ids = [c["id"] for c in seen]
        assert len(ids) == len(set(ids)), "a change was handed out twice"
        total = await change_count(engine)
        assert len(ids) == total == 4 * (15 + 5)
        all_ids = {int(i) for (i,) in await _ids(engine)}
        assert set(ids) == all_ids, "a change was skipped"
        # Each record's changes arrive in version order.
        last: dict[str, int] = {}
        for c in seen:
            assert c["version"] > last.get(c["entity_id"], 0)
            last[c["entity_id"]] = c["version"]
        # A poller with nothing new keeps its place.
        items, again = await self.walk(client, cursor, 7)
        assert items == []
        assert again == cursor

    async def test_open_transaction_holds_the_feed_back(
        self, backend: str, database_url: str, client: httpx.AsyncClient
    ) -> None:
        """PostgreSQL: a change behind an open transaction of this database is not handed out
        until that transaction ends; one open in another database does not hold it back."""
        postgres_only(backend)
        url = make_url(database_url)
        here = await asyncpg.connect(url.render_as_string(hide_password=False))
        elsewhere = await asyncpg.connect(
            url.set(database="postgres").render_as_string(hide_password=False)
        )
        try:
            open_elsewhere = elsewhere.transaction()
            await open_elsewhere.start()
            await elsewhere.fetchval("SELECT txid_current()")
            first = await make_actor(client)
            items, cursor = await self.walk(client, None, 100)
            assert [c["entity_id"] for c in items] == [first["id"]]

            open_here = here.transaction()
            await open_here.start()
            await here.fetchval("SELECT txid_current()")  # an id, as a writer would take
            second = await make_actor(client)
            items, cursor = await self.walk(client, cursor, 100)
            assert items == []  # held back: the open transaction could still add older ones
            await open_here.rollback()
            items, cursor = await self.walk(client, cursor, 100)
            assert [c["entity_id"] for c in items] == [second["id"]]
            await open_elsewhere.rollback()
        finally:
            await here.close()
            await elsewhere.close()

    async def test_filter_and_bad_cursor(self, client: httpx.AsyncClient) -> None:
        await make_stance(client)
        r = await client.get("/v1/changes", params={"entity": "stance"})
        assert [c["entity"] for c in r.json()["items"]] == ["stance"]
        problem(await client.get("/v1/changes", params={"since": "not-a-cursor"}), 422)
        problem(await client.get("/v1/changes", params={"limit": 501}), 422)


async def _ids(engine: AsyncEngine) -> list[Any]:
    from tests.trust.conftest import rows

    return await rows(engine, "SELECT id FROM changes")
