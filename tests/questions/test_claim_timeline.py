"""GET /v1/claims/{id}/timeline: stances in the order they were said, changes of position."""

import uuid

import httpx

from tests.conftest import problem
from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import ids, stance
from tests.reading import get_ok, walk

Ids = dict[str, uuid.UUID]


class TestClaimTimeline:
    async def test_actor_that_denied_then_confirmed_shows_the_change(
        self, client: httpx.AsyncClient
    ) -> None:
        claim, source = await make_claim(client), await make_source(client)
        turncoat, steady = await make_actor(client), await make_actor(client)
        denial = await stance(client, claim, turncoat, source, "denied", "2024-01-01T00:00:00Z")
        other = await stance(client, claim, steady, source, "asserted", "2024-02-01T00:00:00Z")
        again = await stance(
            client, claim, steady, source, "asserted", "2024-02-15T00:00:00Z", quote="Again."
        )
        confirmation = await stance(
            client, claim, turncoat, source, "confirmed", "2024-03-01T00:00:00Z"
        )
        items = await walk(client, f"/v1/claims/{claim['id']}/timeline")
        assert ids(items) == [denial["id"], other["id"], again["id"], confirmation["id"]]
        marks = [(i["label"], i["previous_label"], i["position_changed"]) for i in items]
        assert marks == [
            ("denied", None, False),
            ("asserted", None, False),
            ("asserted", "asserted", False),
            ("confirmed", "denied", True),
        ]
        assert [i["at"] for i in items] == [
            "2024-01-01T00:00:00Z",
            "2024-02-01T00:00:00Z",
            "2024-02-15T00:00:00Z",
            "2024-03-01T00:00:00Z",
        ]
        assert items[3]["actor"]["id"] == turncoat["id"]

    async def test_actor_filter_keeps_the_change_marks(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        actor = await make_actor(client)
        await stance(
            client, claim, await make_actor(client), source, "possible", "2024-01-01T00:00:00Z"
        )
        first = await stance(client, claim, actor, source, "likely", "2024-01-02T00:00:00Z")
        second = await stance(client, claim, actor, source, "unlikely", "2024-01-03T00:00:00Z")
        items = await walk(client, f"/v1/claims/{claim['id']}/timeline", actor_id=actor["id"])
        assert ids(items) == [first["id"], second["id"]]
        assert [i["previous_label"] for i in items] == [None, "likely"]
        assert [i["position_changed"] for i in items] == [False, True]

    async def test_retracted_stances_stay_on_the_timeline(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        actor = await make_actor(client)
        old = await stance(
            client,
            claim,
            actor,
            source,
            "denied",
            "2024-01-01T00:00:00Z",
            retracted_at="2024-02-01T00:00:00Z",
        )
        new = await stance(client, claim, actor, source, "confirmed", "2024-03-01T00:00:00Z")
        items = await walk(client, f"/v1/claims/{claim['id']}/timeline")
        assert ids(items) == [old["id"], new["id"]]
        assert items[0]["retracted_at"] == "2024-02-01T00:00:00Z"
        assert items[1]["position_changed"] is True

    async def test_pages_walk_in_time_order_through_ties(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        dates = ["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03", "2024-01-01"]
        made = [
            await stance(
                client, claim, await make_actor(client), source, "asserted", f"{d}T00:00:00Z"
            )
            for d in dates
        ]
        expected = [m["id"] for m in sorted(made, key=lambda m: (m["stated_at"], m["id"]))]
        for limit in (1, 2, 4, 500):
            assert (
                ids(await walk(client, f"/v1/claims/{claim['id']}/timeline", limit=limit))
                == expected
            )

    async def test_undated_stance_is_placed_when_recorded(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        undated_source = await make_source(client)  # no published_at: stated_at stays null
        dated = await stance(
            client,
            claim,
            await make_actor(client),
            await make_source(client),
            "asserted",
            "2024-01-01T00:00:00Z",
        )
        undated = await stance(client, claim, await make_actor(client), undated_source, "denied")
        assert undated["stated_at"] is None
        items = await walk(client, f"/v1/claims/{claim['id']}/timeline", limit=1)
        assert ids(items) == [dated["id"], undated["id"]]
        assert items[1]["at"] == undated["created_at"]

    async def test_demo_timeline_starts_with_kim_yong_hyun(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(demo_client, f"/v1/claims/{demo_ids['nk-personnel-deployed']}/timeline")
        assert len(items) == 8
        assert items[0]["actor"]["name"] == "Kim Yong-hyun"
        assert items[0]["at"] == "2024-10-08T00:00:00Z"
        assert not any(i["position_changed"] for i in items)

    async def test_unknown_claim_is_404(self, client: httpx.AsyncClient) -> None:
        problem(await client.get(f"/v1/claims/{uuid.uuid4()}/timeline"), 404)
        claim = await make_claim(client)
        assert (await get_ok(client, f"/v1/claims/{claim['id']}/timeline"))["items"] == []
