"""A real hot standby behind DATABASE_READ_URL: GET requests are answered there (counted in
the standby's own `pg_stat_database`), writes on the primary; the change feed read on the
standby never hands out a change before earlier ones; a client following the read-your-writes
advice of docs/scaling.md sees its write; with the standby stopped, reads go to the primary at
once and come back when it returns."""

import asyncio
import time
import uuid
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from app.db import replica
from app.db.engines import unavailable
from tests.factories import make_actor, make_claim, make_stance
from tests.scale.cluster import Cluster, Postgres
from tests.scale.conftest import Running, http, serving
from tests.scale.service import wait_until

pytestmark = pytest.mark.slow


def split(running: Running) -> dict[str, str]:
    """Settings: writes on the primary, reads on the standby."""
    return {
        "database_url": running.cluster.primary.url(),
        "database_read_url": running.cluster.standby.url(),
    }


def xacts(cluster: Cluster, server: Postgres) -> int:
    return cluster.stats(server)["xact_commit"]


def settled_xacts(cluster: Cluster, server: Postgres) -> int:
    """The server's transaction count once PgBouncer's server connections, left by earlier
    tests, have published theirs (they do when they close)."""
    cluster.quiesce()
    return xacts(cluster, server)


async def reaches(cluster: Cluster, server: Postgres, at_least: int) -> int:
    """The server's transaction count once it reaches `at_least` (backends publish their
    counts when they exit, a moment after the app closed its connections)."""
    await wait_until(
        f"{server.name}: {at_least} transactions",
        lambda: asyncio.to_thread(lambda: xacts(cluster, server) >= at_least),
        10,
    )
    return xacts(cluster, server)


def read_paths(claim: dict[str, Any], actor: dict[str, Any]) -> list[str]:
    return [
        f"/v1/claims/{claim['id']}",
        f"/v1/claims/{claim['id']}/stances?side=support",
        f"/v1/actors/{actor['id']}/stances",
        "/v1/claims?contested=false&limit=5",
        "/v1/changes?limit=5",
    ]


async def fixtures(running: Running) -> tuple[dict[str, Any], dict[str, Any]]:
    async with serving(**split(running)) as app, http(app, running.key) as client:
        stance = await make_stance(client)
    running.cluster.wait_replayed()
    return {"id": stance["claim_id"]}, {"id": stance["actor_id"]}


class TestWhereRequestsGo:
    async def test_gets_are_answered_by_the_standby(self, running: Running) -> None:
        cluster = running.cluster
        claim, actor = await fixtures(running)
        gets = read_paths(claim, actor) * 24
        primary_before = settled_xacts(cluster, cluster.primary)
        standby_before = xacts(cluster, cluster.standby)
        async with serving(**split(running)) as app, http(app) as anonymous:
            for path in gets:
                r = await anonymous.get(path)
                assert r.status_code == 200, (path, r.text)
        standby_after = await reaches(cluster, cluster.standby, standby_before + len(gets))
        primary_delta = xacts(cluster, cluster.primary) - primary_before
        print(
            f"\n[replica] {len(gets)} GETs: standby +{standby_after - standby_before} "
            f"transactions, primary +{primary_delta}"
        )
        # The primary counts only this test's own statistics queries and autovacuum.
        assert primary_delta < len(gets) // 10

    async def test_writes_go_to_the_primary(self, running: Running) -> None:
        cluster = running.cluster
        writes = 20
        primary_before = xacts(cluster, cluster.primary)
        standby_before = settled_xacts(cluster, cluster.standby)
        async with serving(**split(running)) as app, http(app, running.key) as client:
            made = [await make_actor(client) for _ in range(writes)]
        await reaches(cluster, cluster.primary, primary_before + writes)
        standby_delta = xacts(cluster, cluster.standby) - standby_before
        assert standby_delta < writes // 2
        ids = ",".join(f"'{a['id']}'" for a in made)
        count = f"SELECT count(*) FROM actors WHERE id IN ({ids})"
        assert cluster.primary.sql(count) == str(writes)


async def feed(client: httpx.AsyncClient, since: str | None) -> tuple[list[dict[str, Any]], str]:
    """Every change the feed hands out after `since`, following its cursor to the end."""
    items: list[dict[str, Any]] = []
    while True:
        params = {"limit": "500", **({"since": since} if since else {})}
        r = await client.get("/v1/changes", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        since = page["next_cursor"]
        if len(page["items"]) < 500:
            assert since is not None
            return items, since


class TestChangeFeedOnTheStandby:
    async def test_no_change_is_handed_out_before_an_earlier_one(self, running: Running) -> None:
        """A transaction that began earlier (a lower transaction id) and commits later: the
        standby has replayed the later commits, yet the feed read there holds them back until
        the earlier one has committed, then hands out all of them in order."""
        cluster = running.cluster
        async with serving(**split(running)) as app, http(app, running.key) as client:
            _, cursor = await feed(client, None)
            held = await asyncpg.connect(cluster.primary.url(), timeout=10)
            try:
                transaction = held.transaction()
                await transaction.start()
                held_txid = await held.fetchval("SELECT txid_current()")
                later = [await make_claim(client) for _ in range(3)]
                cluster.wait_replayed()
                replayed = cluster.standby.sql(
                    f"SELECT count(*) FROM changes WHERE txid > {held_txid}"
                )
                assert replayed == "3"  # the later changes are on the standby ...
                early, cursor = await feed(client, cursor)
                assert early == []  # ... but not handed out before the earlier one
                held_change = await held.fetchval(
                    "INSERT INTO changes (entity, entity_id, version, action, at) "
                    "VALUES ('claim', $1, 1, 'create', now()) RETURNING id",
                    uuid.uuid4(),
                )
                await transaction.commit()
            finally:
                await held.close()
            cluster.wait_replayed()
            items, _ = await feed(client, cursor)
        assert items[0]["id"] == held_change
        assert {i["entity_id"] for i in items[1:]} == {c["id"] for c in later}
        assert len(items) == 4


def etag_version(response: httpx.Response) -> int:
    """The version an ETag names: `"<version>-<digest>"`."""
    return int(response.headers["etag"].removeprefix("W/").strip('"').split("-")[0])


async def read_your_write(
    client: httpx.AsyncClient, path: str, version: int, within: float = 10
) -> httpx.Response:
    """The advice of docs/scaling.md: after a write, read again until the record's ETag
    names at least the version the write returned."""
    deadline = time.monotonic() + within
    while True:
        r = await client.get(path)
        if r.status_code == 200 and etag_version(r) >= version:
            return r
        assert time.monotonic() < deadline, f"{path} still behind version {version}"
        await asyncio.sleep(0.05)


class TestReadYourWrites:
    async def test_the_write_answers_and_polling_the_etag_catches_up(
        self, running: Running
    ) -> None:
        standby = running.cluster.standby

        async def replay_after(seconds: float) -> None:
            await asyncio.sleep(seconds)
            await asyncio.to_thread(standby.sql, "SELECT pg_wal_replay_resume()")

        async with serving(**split(running)) as app, http(app, running.key) as client:
            standby.sql("SELECT pg_wal_replay_pause()")  # the standby falls behind
            try:
                created = await client.post("/v1/claims", json={"statement": "Lag is real"})
                assert created.status_code == 201, created.text
                claim = created.json()
                assert claim["statement"] == "Lag is real"  # the write's own answer
                path = f"/v1/claims/{claim['id']}"
                assert (await client.get(path)).status_code == 404  # a plain read misses it
                resume = asyncio.create_task(replay_after(0.3))
                started = time.monotonic()
                seen = await read_your_write(client, path, etag_version(created))
                await resume
                assert seen.json()["statement"] == "Lag is real"
                assert time.monotonic() - started >= 0.3

                standby.sql("SELECT pg_wal_replay_pause()")
                patched = await client.patch(path, json={"statement": "Lag is real, and short"})
                assert patched.status_code == 200, patched.text
                assert etag_version(patched) == etag_version(created) + 1
                stale = await client.get(path)
                assert stale.json()["statement"] == "Lag is real"  # the old version
                resume = asyncio.create_task(replay_after(0.3))
                seen = await read_your_write(client, path, etag_version(patched))
                await resume
                assert seen.json()["statement"] == "Lag is real, and short"
            finally:
                standby.sql("SELECT pg_wal_replay_resume()")


class TestStandbyAway:
    async def test_reads_fall_back_to_the_primary_and_return(
        self, running: Running, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(replica, "HOLD_SECONDS", 1.0)
        cluster = running.cluster
        claim, actor = await fixtures(running)
        paths = read_paths(claim, actor) * 6
        primary_before = settled_xacts(cluster, cluster.primary)
        async with serving(**split(running)) as app, http(app) as anonymous:
            for path in paths[:10]:  # the read pool holds connections to the standby
                assert (await anonymous.get(path)).status_code == 200

            await asyncio.to_thread(cluster.standby.stop, "fast")
            try:
                slowest = 0.0
                for path in paths:
                    started = time.monotonic()
                    r = await anonymous.get(path)
                    slowest = max(slowest, time.monotonic() - started)
                    assert r.status_code == 200, (path, r.status_code, r.text)
                assert slowest < 1.0, slowest
            finally:
                await asyncio.to_thread(cluster.standby.start)
            cluster.wait_streaming()
            standby_back = xacts(cluster, cluster.standby)
            await asyncio.sleep(replica.HOLD_SECONDS + 0.2)
            for path in paths:
                assert (await anonymous.get(path)).status_code == 200
        fallback = await reaches(cluster, cluster.primary, primary_before + len(paths))
        returned = await reaches(cluster, cluster.standby, standby_back + len(paths))
        print(
            f"\n[replica] standby stopped: {len(paths)} GETs answered by the primary "
            f"(+{fallback - primary_before} transactions there), slowest {slowest * 1000:.0f} ms;"
            f" back: {len(paths)} GETs, standby +{returned - standby_back}"
        )


def test_a_connection_its_server_closed_meanwhile_is_unavailable() -> None:
    """A server shutting down sends its idle connections a FATAL error, then closes them;
    asyncpg, not expecting it, leaves such a connection mid-error, and a request that uses it
    before the close arrives gets this error: the database is away (503, Retry-After, the
    replica left alone), not a bug of the request (500)."""
    error = asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in")
    assert unavailable(error) == "database-unavailable"
