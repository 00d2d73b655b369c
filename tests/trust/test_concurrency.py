"""Optimistic concurrency: ETags, If-None-Match (304), If-Match (412), and racing writers of
which exactly one wins and none is lost silently."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.transfer import importer
from app.transfer.service import import_records
from tests.conftest import problem
from tests.factories import CHANGES, make_actor, make_claim, make_source, make_stance
from tests.live import run_cli
from tests.transfer.helpers import NDJSON, body
from tests.trust.conftest import postgres_only, scalar

RACES = 20


async def made(client: httpx.AsyncClient, resource: str) -> dict[str, Any]:
    makers = {
        "actors": make_actor,
        "sources": make_source,
        "claims": make_claim,
        "stances": make_stance,
    }
    return await makers[resource](client)


@pytest.mark.parametrize("resource", CHANGES)
class TestETags:
    """Every record read or written carries an ETag; If-None-Match on a read answers 304."""

    async def test_etag_on_get_post_patch(self, client: httpx.AsyncClient, resource: str) -> None:
        record = await made(client, resource)
        path = f"/v1/{resource}/{record['id']}"
        got = await client.get(path)
        etag = got.headers["etag"]
        assert etag.startswith(f'"{record["version"]}-')
        assert (await client.get(path)).headers["etag"] == etag  # stable while unchanged

        not_modified = await client.get(path, headers={"If-None-Match": etag})
        assert not_modified.status_code == 304
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == etag
        assert (await client.get(path, headers={"If-None-Match": "*"})).status_code == 304
        other = await client.get(path, headers={"If-None-Match": '"999-0000000000000000"'})
        assert other.status_code == 200

        patched = await client.patch(path, json=CHANGES[resource], headers={"If-Match": etag})
        assert patched.status_code == 200, patched.text
        assert patched.headers["etag"].startswith(f'"{record["version"] + 1}-')
        # (a claim's PATCH answer omits the summary its GET carries, so only the version of
        # the two ETags agrees; If-Match compares versions)
        new_etag = (await client.get(path)).headers["etag"]
        assert new_etag != etag
        assert new_etag.startswith(f'"{record["version"] + 1}-')
        assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 200
        assert (await client.get(path, headers={"If-None-Match": new_etag})).status_code == 304
        follow = await client.patch(path, json={}, headers={"If-Match": patched.headers["etag"]})
        assert follow.status_code == 200, follow.text


@pytest.mark.parametrize("resource", CHANGES)
class TestIfMatch:
    """A stale If-Match gets 412 and changes nothing; a current one goes through."""

    async def test_stale_if_match(
        self, client: httpx.AsyncClient, engine: AsyncEngine, resource: str
    ) -> None:
        record = await made(client, resource)
        path = f"/v1/{resource}/{record['id']}"
        stale = (await client.get(path)).headers["etag"]
        first = await client.patch(path, json=CHANGES[resource], headers={"If-Match": stale})
        assert first.status_code == 200, first.text
        current = (await client.get(path)).json()
        changes = await scalar(engine, "SELECT count(*) FROM changes")

        again = await client.patch(path, json={}, headers={"If-Match": stale})
        body = problem(again, 412)
        assert body["type"] == "/problems/precondition-failed"
        assert body["current_version"] == record["version"] + 1
        problem(await client.delete(path, headers={"If-Match": stale}), 412)
        problem(await client.patch(path, json={}, headers={"If-Match": "not-an-etag"}), 412)

        assert (await client.get(path)).json() == current
        assert await scalar(engine, "SELECT count(*) FROM changes") == changes

        etag = (await client.get(path)).headers["etag"]
        assert (await client.delete(path, headers={"If-Match": etag})).status_code == 204

    async def test_if_match_lists_and_star(self, client: httpx.AsyncClient, resource: str) -> None:
        record = await made(client, resource)
        path = f"/v1/{resource}/{record['id']}"
        etag = (await client.get(path)).headers["etag"]
        listed = f'"77-abc", {etag}'
        assert (await client.patch(path, json={}, headers={"If-Match": listed})).status_code == 200
        assert (await client.delete(path, headers={"If-Match": "*"})).status_code == 204
        problem(await client.delete(path, headers={"If-Match": "*"}), 410)


class TestRaces:
    """Two writers on one record at once: one wins, the other is told; nothing is lost."""

    @pytest.mark.slow
    async def test_same_if_match(self, client: httpx.AsyncClient) -> None:
        for attempt in range(RACES):
            actor = await make_actor(client, name=f"Raced {attempt}")
            path = f"/v1/actors/{actor['id']}"
            etag = (await client.get(path)).headers["etag"]
            bodies = [{"description": "writer A"}, {"description": "writer B"}]
            a, b = await asyncio.wait_for(
                asyncio.gather(
                    *(client.patch(path, json=body, headers={"If-Match": etag}) for body in bodies)
                ),
                30,
            )
            statuses = sorted([a.status_code, b.status_code])
            assert statuses == [200, 412], (attempt, a.text, b.text)
            winner = bodies[0] if a.status_code == 200 else bodies[1]
            final = (await client.get(path)).json()
            assert final["description"] == winner["description"]
            assert final["version"] == 2
            history = (await client.get(f"{path}/history")).json()["items"]
            assert [c["action"] for c in history] == ["create", "update"]
            assert history[1]["after"]["description"] == winner["description"]

    async def test_patch_and_delete_with_same_if_match(self, client: httpx.AsyncClient) -> None:
        for attempt in range(RACES // 2):
            claim = await make_claim(client)
            path = f"/v1/claims/{claim['id']}"
            etag = (await client.get(path)).headers["etag"]
            patch, delete = await asyncio.wait_for(
                asyncio.gather(
                    client.patch(path, json={"tags": ["x"]}, headers={"If-Match": etag}),
                    client.delete(path, headers={"If-Match": etag}),
                ),
                30,
            )
            statuses = (patch.status_code, delete.status_code)
            assert statuses in {(200, 412), (412, 204), (410, 204)}, (attempt, statuses)
            final = await client.get(path)
            assert final.status_code == (200 if patch.status_code == 200 else 410)

    @pytest.mark.parametrize("resource", list(CHANGES))
    async def test_without_if_match_every_writer_succeeds(
        self, client: httpx.AsyncClient, resource: str
    ) -> None:
        """Twenty unconditional PATCHes at once: all applied one after the other (the last
        writer wins), each recorded in history with the one before it as its `before`."""
        record = await made(client, resource)
        path = f"/v1/{resource}/{record['id']}"
        field, value = next(iter(CHANGES[resource].items()))
        bodies = [
            {"stated_at": f"2026-01-{n + 1:02d}T00:00:00Z"}
            if resource == "stances"
            else {field: ([f"writer-{n}"] if isinstance(value, list) else f"writer {n}")}
            for n in range(RACES)
        ]
        answers = await asyncio.wait_for(
            asyncio.gather(*(client.patch(path, json=body) for body in bodies)), 60
        )
        assert [r.status_code for r in answers] == [200] * RACES, [r.text for r in answers]
        assert sorted(r.json()["version"] for r in answers) == list(range(2, RACES + 2))
        final = (await client.get(path)).json()
        assert final["version"] == RACES + 1
        history = (await client.get(f"{path}/history", params={"limit": 100})).json()["items"]
        updates = [c for c in history if c["action"] == "update"]
        assert [c["version"] for c in updates] == list(range(2, RACES + 2))
        for earlier, later in itertools.pairwise(updates):
            assert later["before"] == earlier["after"]

    async def test_with_if_match_exactly_one_of_twenty_wins(
        self, client: httpx.AsyncClient
    ) -> None:
        actor = await make_actor(client)
        path = f"/v1/actors/{actor['id']}"
        etag = (await client.get(path)).headers["etag"]
        answers = await asyncio.wait_for(
            asyncio.gather(
                *(
                    client.patch(
                        path, json={"description": f"writer {n}"}, headers={"If-Match": etag}
                    )
                    for n in range(RACES)
                )
            ),
            60,
        )
        assert sorted(r.status_code for r in answers) == [200] + [412] * (RACES - 1)
        assert (await client.get(path)).json()["version"] == 2


STANCE_ID = "0190f1a2-0000-7000-8000-000000000001"
LABELS = ("asserted", "denied", "likely", "reported")


def _raced(
    prefix: str, url: str, stance_id: str | None = None, *, on: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """An import of its own actor, claim and stance, citing a source by `url`; and, if `on`
    names records committed earlier (by natural key), a stance on them for each of LABELS."""
    records: list[dict[str, Any]] = [
        {"type": "actor", "key": "a", "kind": "person", "name": f"{prefix} actor"},
        {"type": "source", "key": "s", "kind": "news_article", "title": prefix, "url": url},
        {"type": "claim", "key": "c", "statement": f"{prefix} claim"},
        {
            "type": "stance",
            "key": "t",
            "claim": "c",
            "actor": "a",
            "source": "s",
            "label": "asserted",
            "id": stance_id,
        },
    ]
    for label in LABELS if on else ():
        records.append({"type": "stance", "key": label, "label": label, **(on or {})})
    return records


async def _lock_waited(engine: AsyncEngine) -> None:
    """Until a session of this database waits on a lock (another transaction's row)."""
    for _ in range(200):
        if await scalar(
            engine,
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the second import never waited for the first")


@pytest.mark.parametrize(
    "raced",
    ["source", "stance", pytest.param("source by the command line", marks=pytest.mark.slow)],
)
async def test_an_import_that_loses_a_race_conflicts_and_writes_nothing(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    database_url: str,
    backend: str,
    raced: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two imports create the same new record at once: the one whose transaction commits
    first keeps it; the other's COPY waits for it, then fails on the unique key, and that
    import answers 409 (retry), or the command says so, with none of its records written.
    For a stance, the COPY runs in the background while the import reads on for its next
    batches: the error is still the COPY's, not the aborted transaction those reads met."""
    postgres_only(backend, "SQLite lets one transaction write at a time; no COPY to race")
    monkeypatch.setattr(importer, "BATCH_RECORDS", 2)
    if raced == "stance":  # each its own source, one stance id: the primary key
        actor, source, claim = (
            await make_actor(client),
            await make_source(client),
            await make_claim(client),
        )
        on = {
            "actor": {"kind": actor["kind"], "name": actor["name"]},
            "source": {"url": source["url"]},
            "claim": {"statement": claim["statement"]},
        }
        winner = _raced("first", "https://news.example.org/one", STANCE_ID)
        loser = _raced("second", "https://news.example.org/two", STANCE_ID, on=on)
    else:  # both create the source by its URL: the unique URL
        winner = _raced("first", "https://news.example.org/raced")
        loser = _raced("second", "https://news.example.org/raced")

    async def lines(records: list[dict[str, Any]]) -> AsyncIterator[tuple[int, bytes]]:
        for number, record in enumerate(records, 1):
            yield number, orjson.dumps(record)

    async with AsyncSession(engine) as first:
        await import_records(first, lines(winner), by=None)  # written, not yet committed
        if raced.endswith("command line"):
            (tmp_path / "loser.ndjson").write_bytes(body(loser))
            racing: Any = asyncio.create_task(
                run_cli(database_url, "import", str(tmp_path / "loser.ndjson"))
            )
        else:
            racing = asyncio.create_task(
                client.post("/v1/import", content=body(loser), headers=NDJSON)
            )
        await _lock_waited(engine)  # the second reached the shared key
        await first.commit()
    if raced.endswith("command line"):
        code, out = await asyncio.wait_for(racing, 60)
        assert code == 1, out
        assert "another writer created one of these records meanwhile" in out
        assert "Traceback" not in out
    else:
        response = await asyncio.wait_for(racing, 30)
        assert problem(response, 409)["type"].endswith("integrity-conflict")
    names = {a["name"] for a in (await client.get("/v1/actors")).json()["items"]}
    assert "second actor" not in names
    assert "first actor" in names
    stances = (await client.get("/v1/stances")).json()["items"]
    assert len(stances) == 1
    assert stances[0]["label"] == "asserted"
