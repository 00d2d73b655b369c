"""claim_stats stays right: after every kind of change to a claim's stances, and under
concurrent writes, GET /v1/claims/{id}'s summary (and the `contested` filter) equal a recount
from the claim's stance list."""

import asyncio
import statistics
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engines import create_sessionmaker
from app.tallies import stats
from app.vocabulary import STANCE_LABELS, StanceLabel, StanceSide
from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import Json, stance
from tests.reading import get_ok, walk

LABELS = [label.value for label in StanceLabel]


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def recount(rows: list[Json]) -> Json:
    """The summary a claim's stances (retracted ones included) call for, worked out here."""
    current = [r for r in rows if r["retracted_at"] is None]
    by_label: dict[str, int] = {}
    for r in current:
        by_label[r["label"]] = by_label.get(r["label"], 0) + 1
    by_side = {
        side.value: {
            "stances": sum(r["side"] == side for r in current),
            "actors": len({r["actor_id"] for r in current if r["side"] == side}),
        }
        for side in StanceSide
    }
    dates = [datetime.fromisoformat(r["stated_at"]) for r in current if r["stated_at"]]
    probabilities: list[float] = []
    for r in current:
        band = STANCE_LABELS[StanceLabel(r["label"])].band
        if r["side"] != "support":
            continue
        if r["probability"] is not None:
            probabilities.append(r["probability"])
        elif band is not None:
            probabilities.append(band.midpoint)
    return {
        "total": len(current),
        "by_side": by_side,
        "by_label": by_label,
        "contested": by_side["support"]["stances"] > 0 and by_side["dispute"]["stances"] > 0,
        "first_stated_at": min(dates) if dates else None,
        "latest_stated_at": max(dates) if dates else None,
        "retracted": len(rows) - len(current),
        "support_probability": {
            "median": round(statistics.median(probabilities), 4),
            "low": min(probabilities),
            "high": max(probabilities),
            "stances": len(probabilities),
        }
        if probabilities
        else None,
    }


async def assert_counts_right(client: httpx.AsyncClient, claim: Json) -> Json:
    """The claim's summary equals a recount of its stances; the list filters agree."""
    summary = (await get_ok(client, f"/v1/claims/{claim['id']}"))["summary"]
    rows = await walk(client, f"/v1/claims/{claim['id']}/stances", include_retracted="true")
    expected = recount(rows)
    got = {
        **summary,
        "first_stated_at": at(summary["first_stated_at"]),
        "latest_stated_at": at(summary["latest_stated_at"]),
    }
    assert got == expected
    tag = claim["tags"][0]
    for contested in ("true", "false"):
        listed = await walk(client, "/v1/claims", tag=tag, contested=contested)
        assert [i["id"] for i in listed] == (
            [claim["id"]] if expected["contested"] == (contested == "true") else []
        )
    (item,) = await walk(client, "/v1/claims", tag=tag)
    assert item["stats"] == {
        "support": expected["by_side"]["support"]["stances"],
        "neutral": expected["by_side"]["neutral"]["stances"],
        "dispute": expected["by_side"]["dispute"]["stances"],
        "total": expected["total"],
        "contested": expected["contested"],
        "latest_stated_at": summary["latest_stated_at"],
    }
    return expected


@dataclass
class Scene:
    claim: Json
    actors: list[Json]
    source: Json


async def scene(client: httpx.AsyncClient, actors: int = 3) -> Scene:
    claim = await make_claim(client, tags=[f"t-{uuid.uuid4().hex[:12]}"])
    return Scene(
        claim, [await make_actor(client) for _ in range(actors)], await make_source(client)
    )


async def patch(client: httpx.AsyncClient, row: Json, **changes: Any) -> Json:
    r = await client.patch(f"/v1/stances/{row['id']}", json=changes)
    assert r.status_code == 200, r.text
    data: Json = r.json()
    return data


class TestClaimStats:
    async def test_after_creates(self, client: httpx.AsyncClient) -> None:
        s = await scene(client)
        await assert_counts_right(client, s.claim)
        await stance(client, s.claim, s.actors[0], s.source, "likely", "2024-02-01T00:00:00Z")
        assert (await assert_counts_right(client, s.claim))["contested"] is False
        await stance(client, s.claim, s.actors[1], s.source, "denied", "2024-01-01T00:00:00Z")
        await stance(client, s.claim, s.actors[2], s.source, "likely", probability=0.7)
        counts = await assert_counts_right(client, s.claim)
        assert counts["contested"] is True
        assert counts["support_probability"]["median"] == 0.6875  # (0.675 + 0.7) / 2

    async def test_after_label_changes(self, client: httpx.AsyncClient) -> None:
        s = await scene(client)
        a = await stance(client, s.claim, s.actors[0], s.source, "asserted")
        b = await stance(client, s.claim, s.actors[1], s.source, "asserted")
        await patch(client, b, label="questioned")
        assert (await assert_counts_right(client, s.claim))["contested"] is True
        await patch(client, a, label="reported")
        assert (await assert_counts_right(client, s.claim))["contested"] is False
        await patch(client, a, label="highly_likely", probability=0.9)
        assert (await assert_counts_right(client, s.claim))["support_probability"]["median"] == 0.9

    async def test_after_probability_changes(self, client: httpx.AsyncClient) -> None:
        """A probability alone changing moves the support side's figures (they are tallied by
        probability, so the tally of the old value must go down and the new one up)."""
        s = await scene(client)
        a = await stance(client, s.claim, s.actors[0], s.source, "likely", probability=0.6)
        await stance(client, s.claim, s.actors[1], s.source, "likely", probability=0.7)
        assert (await assert_counts_right(client, s.claim))["support_probability"]["low"] == 0.6
        a = await patch(client, a, probability=0.75)
        figures = (await assert_counts_right(client, s.claim))["support_probability"]
        assert (figures["low"], figures["high"]) == (0.7, 0.75)
        await patch(client, a, probability=None)
        figures = (await assert_counts_right(client, s.claim))["support_probability"]
        assert (figures["low"], figures["high"]) == (0.675, 0.7)  # the band's midpoint

    async def test_after_retraction_and_its_withdrawal(self, client: httpx.AsyncClient) -> None:
        s = await scene(client)
        await stance(client, s.claim, s.actors[0], s.source, "confirmed", "2024-01-01T00:00:00Z")
        denial = await stance(
            client, s.claim, s.actors[1], s.source, "denied", "2024-03-01T00:00:00Z"
        )
        assert (await assert_counts_right(client, s.claim))["contested"] is True
        retraction = await make_source(client)
        await patch(
            client,
            denial,
            retracted_at="2024-04-01T00:00:00Z",
            retraction_source_id=retraction["id"],
        )
        counts = await assert_counts_right(client, s.claim)
        assert (counts["contested"], counts["retracted"]) == (False, 1)
        assert counts["latest_stated_at"] == datetime(2024, 1, 1, tzinfo=UTC)
        await patch(client, denial, retracted_at=None, retraction_source_id=None)
        counts = await assert_counts_right(client, s.claim)
        assert (counts["contested"], counts["retracted"]) == (True, 0)

    async def test_after_restating(self, client: httpx.AsyncClient) -> None:
        s = await scene(client)
        row = await stance(
            client, s.claim, s.actors[0], s.source, "asserted", "2024-05-01T00:00:00Z"
        )
        await stance(client, s.claim, s.actors[1], s.source, "asserted", "2024-03-01T00:00:00Z")
        await patch(client, row, stated_at="2024-01-01T00:00:00Z")
        counts = await assert_counts_right(client, s.claim)
        assert (counts["first_stated_at"], counts["latest_stated_at"]) == (
            datetime(2024, 1, 1, tzinfo=UTC),
            datetime(2024, 3, 1, tzinfo=UTC),
        )

    async def test_after_deletes(self, client: httpx.AsyncClient) -> None:
        s = await scene(client)
        rows = [
            await stance(client, s.claim, actor, s.source, label)
            for actor, label in zip(s.actors, ("confirmed", "denied", "possible"), strict=True)
        ]
        for row in rows:
            r = await client.delete(f"/v1/stances/{row['id']}")
            assert r.status_code == 204, r.text
            await assert_counts_right(client, s.claim)
        assert (await assert_counts_right(client, s.claim))["total"] == 0

    async def test_recounts_read_none_of_the_old_tallies_back(
        self, client: httpx.AsyncClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A recount deletes its claims' old tallies in the database without reading them back
        into the process (a popular claim has thousands; an import recounts every claim it
        touched): after a stance's change, and in a bulk recount (the temporary table's path
        on PostgreSQL, taken here from two claims on)."""
        scenes = [await scene(client) for _ in range(2)]
        rows = [
            [await stance(client, s.claim, actor, s.source, "asserted") for actor in s.actors]
            for s in scenes
        ]
        statements: list[str] = []

        def listen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            statements.append(" ".join(statement.split()).upper())

        monkeypatch.setattr("app.tallies.recount.BULK_CHUNK", 1)
        event.listen(engine.sync_engine, "before_cursor_execute", listen)
        try:
            await patch(client, rows[1][0], label="denied")  # the second claim's
            async with create_sessionmaker(engine)() as session, session.begin():
                await stats.recount_bulk(session, [uuid.UUID(s.claim["id"]) for s in scenes])
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", listen)
        deletes = [t for t in statements if t.startswith("DELETE FROM CLAIM_")]
        # One recount after the change; then one for both claims (PostgreSQL) or one each.
        tables = [t.split()[2] for t in deletes]
        assert tables in (["CLAIM_TALLIES", "CLAIM_SIDE_ACTORS"] * n for n in (2, 3)), tables
        assert not [t for t in deletes if "RETURNING" in t], deletes
        counts = [await assert_counts_right(client, s.claim) for s in scenes]
        assert [c["by_side"]["dispute"]["actors"] for c in counts] == [0, 1]

    async def test_concurrent_creates(self, client: httpx.AsyncClient) -> None:
        s = await scene(client, actors=5)
        labels = ["confirmed", "denied", "possible", "likely", "unlikely"] * 4

        async def create(i: int) -> httpx.Response:
            return await client.post(
                "/v1/stances",
                json={
                    "claim_id": s.claim["id"],
                    "actor_id": s.actors[i % 5]["id"],
                    "source_id": s.source["id"],
                    "label": labels[i],
                    "stated_at": f"2024-01-{i + 1:02d}T00:00:00Z",
                    "quote": f"Words of stance {i}",
                },
            )

        responses = await asyncio.gather(*(create(i) for i in range(20)))
        assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
        counts = await assert_counts_right(client, s.claim)
        assert counts["total"] == 20
        assert counts["by_side"]["support"] == {"stances": 8, "actors": 2}
        assert counts["latest_stated_at"] == datetime(2024, 1, 20, tzinfo=UTC)

    @pytest.mark.slow
    async def test_concurrent_changes_of_every_kind(self, client: httpx.AsyncClient) -> None:
        s = await scene(client, actors=4)
        rows = [
            await stance(
                client,
                s.claim,
                s.actors[i % 4],
                s.source,
                label,
                f"2024-02-{i + 1:02d}T00:00:00Z",
                quote=f"Words of stance {i}",
            )
            for i, label in enumerate(["asserted", "denied", "likely", "reported"] * 3)
        ]
        writes = [
            client.patch(f"/v1/stances/{rows[0]['id']}", json={"label": "denied"}),
            client.patch(
                f"/v1/stances/{rows[1]['id']}", json={"retracted_at": "2024-06-01T00:00:00Z"}
            ),
            client.patch(
                f"/v1/stances/{rows[2]['id']}", json={"stated_at": "2023-01-01T00:00:00Z"}
            ),
            client.delete(f"/v1/stances/{rows[3]['id']}"),
            client.delete(f"/v1/stances/{rows[4]['id']}"),
            *(
                client.post(
                    "/v1/stances",
                    json={
                        "claim_id": s.claim["id"],
                        "actor_id": s.actors[i % 4]["id"],
                        "source_id": s.source["id"],
                        "label": "highly_unlikely",
                        "quote": f"Words of new stance {i}",
                    },
                )
                for i in range(8)
            ),
        ]
        responses = await asyncio.gather(*writes)
        assert all(r.status_code in (200, 201, 204) for r in responses), [r.text for r in responses]
        counts = await assert_counts_right(client, s.claim)
        assert (counts["total"], counts["retracted"]) == (12 - 2 - 1 + 8, 1)


Operation = tuple[str, int, str, int]
OPERATIONS = st.tuples(
    st.sampled_from(["create", "create", "relabel", "retract", "unretract", "restate", "delete"]),
    st.integers(min_value=0, max_value=50),  # which stance (modulo) or actor
    st.sampled_from(LABELS),
    st.integers(min_value=0, max_value=60),  # a day
)
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def day(n: int) -> str:
    return (BASE + timedelta(days=n)).isoformat()


@pytest.fixture
async def cast(client: httpx.AsyncClient) -> Scene:
    """Actors and a source, made once for all the examples of a property test."""
    return await scene(client)


class TestClaimStatsProperty:
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        # `cast` is made once and shared by the examples on purpose; each makes its own claim.
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(operations=st.lists(OPERATIONS, min_size=1, max_size=10))
    async def test_random_operations_keep_the_counts(
        self, client: httpx.AsyncClient, cast: Scene, operations: list[Operation]
    ) -> None:
        claim = await make_claim(client, tags=[f"t-{uuid.uuid4().hex[:12]}"])
        rows: list[Json] = []
        for kind, n, label, when in operations:
            if kind == "create" or not rows:
                retracted = {"retracted_at": day(when + 3)} if n % 4 == 0 else {}
                actor = cast.actors[n % len(cast.actors)]
                # Each stance its own (no duplicate): `len(rows)` repeats after a delete.
                quote = f"Words of stance {uuid.uuid4().hex[:12]}"
                rows.append(
                    await stance(
                        client,
                        claim,
                        actor,
                        cast.source,
                        label,
                        day(when),
                        quote=quote,
                        **retracted,
                    )
                )
                continue
            i = n % len(rows)
            if kind == "delete":
                r = await client.delete(f"/v1/stances/{rows.pop(i)['id']}")
                assert r.status_code == 204, r.text
                continue
            changes: dict[str, Any] = {}
            if kind == "relabel":
                changes["label"] = label
            elif kind == "retract":
                changes["retracted_at"] = day(when + 60)
            elif kind == "unretract":
                changes.update(retracted_at=None, retraction_source_id=None)
            else:
                changes["stated_at"] = day(min(when, 59))
            if kind == "restate" and rows[i]["retracted_at"] is not None:
                changes["retracted_at"] = day(120)  # a retraction may not precede the stance
            rows[i] = await patch(client, rows[i], **changes)
        await assert_counts_right(client, claim)
