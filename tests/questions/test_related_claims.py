"""GET /v1/claims/{id}/related: relations in both directions, filtered by kind."""

import uuid

import httpx

from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import refuses_unknown_claim_and_bad_parameter, relate, stance
from tests.reading import get_ok, walk

Ids = dict[str, uuid.UUID]


class TestRelatedClaims:
    async def test_both_directions_with_counts(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        general, specific, rival = (
            await make_claim(client),
            await make_claim(client),
            await make_claim(client),
        )
        up = await relate(client, claim, general, "refines")
        down = await relate(client, specific, claim, "refines")
        against = await relate(client, rival, claim, "contradicts")
        source = await make_source(client)
        await stance(client, rival, await make_actor(client), source, "asserted")
        await stance(client, rival, await make_actor(client), source, "denied")

        items = await walk(client, f"/v1/claims/{claim['id']}/related", limit=1)
        got = {
            i["relation_id"]: (
                i["kind"],
                i["direction"],
                i["claim"]["id"],
                i["stances"],
                i["contested"],
            )
            for i in items
        }
        assert got == {
            up["id"]: ("refines", "outgoing", general["id"], 0, False),
            down["id"]: ("refines", "incoming", specific["id"], 0, False),
            against["id"]: ("contradicts", "incoming", rival["id"], 2, True),
        }
        assert items[0]["claim"]["statement"]

    async def test_relation_filter(self, client: httpx.AsyncClient) -> None:
        claim, other, third = (
            await make_claim(client),
            await make_claim(client),
            await make_claim(client),
        )
        await relate(client, claim, other, "refines")
        supports = await relate(client, claim, third, "supports")
        also = await relate(client, other, claim, "supports")
        items = await walk(client, f"/v1/claims/{claim['id']}/related", relation="supports")
        assert sorted(i["relation_id"] for i in items) == sorted([supports["id"], also["id"]])
        assert {i["relation_id"]: i["direction"] for i in items} == {
            supports["id"]: "outgoing",
            also["id"]: "incoming",
        }
        assert await walk(client, f"/v1/claims/{claim['id']}/related", relation="same_as") == []

    async def test_demo_deployment_claim(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        path = f"/v1/claims/{demo_ids['nk-personnel-deployed']}/related"
        refined_by = {
            "nk-engineers-assist-missile-launches",
            "nk-engineers-assist-launcher-systems",
            "nk-troops-in-combat-zones",
            "nk-troops-gaining-combat-experience",
            "nk-first-direct-involvement",
        }
        supported_by = {
            "nk-infantry-training-in-russia",
            "nk-officers-killed-near-donetsk",
            "nk-engineers-killed-near-donetsk",
        }
        refines = await walk(demo_client, path, relation="refines")
        assert {i["claim"]["id"] for i in refines} == {str(demo_ids[k]) for k in refined_by}
        supports = await walk(demo_client, path, relation="supports")
        assert {i["claim"]["id"] for i in supports} == {str(demo_ids[k]) for k in supported_by}
        assert {i["direction"] for i in refines + supports} == {"incoming"}
        assert len(await walk(demo_client, path, limit=3)) == 8

    async def test_unknown_claim_is_404_and_bad_relation_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await refuses_unknown_claim_and_bad_parameter(
            client, "related", "relation", "implies"
        )
        assert (await get_ok(client, f"/v1/claims/{claim['id']}/related"))["items"] == []
