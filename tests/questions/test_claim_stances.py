"""GET /v1/claims/{id}/stances: who asserts a claim, who disputes it, as of a date, with
implied disputers."""

import uuid

import httpx

from tests.conftest import field_errors, problem
from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import Json, ids, relate, stance
from tests.reading import get_ok, walk

Ids = dict[str, uuid.UUID]

DEPLOYED = "nk-personnel-deployed"
SUPPORTERS = {
    "officials-in-kyiv",
    "officials-in-seoul",
    "ukrainian-intelligence",
    "south-korean-defence-officials",
    "kim-yong-hyun",
}
DISPUTERS = {"kremlin", "north-korean-officials"}


def path(claim_id: object) -> str:
    return f"/v1/claims/{claim_id}/stances"


def actor_ids(items: list[Json]) -> list[str]:
    return [item["actor"]["id"] for item in items]


async def fresh_parts(client: httpx.AsyncClient) -> tuple[Json, Json, Json]:
    """A new claim, and a new actor and source to record stances on it with."""
    return await make_claim(client), await make_actor(client), await make_source(client)


async def retracted_stance(client: httpx.AsyncClient, retracted_at: str) -> tuple[Json, Json, Json]:
    """A new claim with one stance on it, asserted on 2024-01-01 and retracted at
    `retracted_at`: the claim, the stance's source and the stance."""
    claim, actor, source = await fresh_parts(client)
    asserted = await stance(
        client, claim, actor, source, "asserted", "2024-01-01T00:00:00Z", retracted_at=retracted_at
    )
    return claim, source, asserted


class TestClaimStances:
    async def test_demo_dispute_side_is_the_kremlin_and_north_korean_officials(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(demo_client, path(demo_ids[DEPLOYED]), side="dispute")
        assert sorted(actor_ids(items)) == sorted(str(demo_ids[k]) for k in DISPUTERS)
        assert {i["actor"]["name"] for i in items} == {"Kremlin", "North Korean officials"}
        assert {(i["label"], i["side"]) for i in items} == {("denied", "dispute")}

    async def test_demo_support_side_is_kyiv_seoul_intelligence_defence_and_kim(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(demo_client, path(demo_ids[DEPLOYED]), side="support")
        assert sorted(actor_ids(items)) == sorted(str(demo_ids[k]) for k in SUPPORTERS)
        labels = {i["actor"]["name"]: i["label"] for i in items}
        assert labels == {
            "Officials in Kyiv": "asserted",
            "Officials in Seoul": "asserted",
            "Ukrainian intelligence": "asserted",
            "South Korean defence officials": "asserted",
            "Kim Yong-hyun": "highly_likely",
        }

    async def test_demo_neutral_side_is_the_article_reporting_it(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(demo_client, path(demo_ids[DEPLOYED]), side="neutral")
        assert actor_ids(items) == [str(demo_ids["article-publisher"])]
        assert items[0]["label"] == "reported"

    async def test_demo_rows_embed_actor_source_and_quote(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(demo_client, path(demo_ids[DEPLOYED]), side="support")
        kim = next(i for i in items if i["actor_id"] == str(demo_ids["kim-yong-hyun"]))
        assert kim["actor"] == {
            "id": str(demo_ids["kim-yong-hyun"]),
            "name": "Kim Yong-hyun",
            "kind": "person",
        }
        source = kim["source"]
        assert source["id"] == str(demo_ids["article"])
        assert source["title"].startswith("North Korean Soldiers Back Russian Forces in Ukraine")
        assert source["url"] is None
        assert source["published_at"] == "2024-10-10T00:00:00Z"
        assert source["publisher"]["id"] == str(demo_ids["article-publisher"])
        assert source["publisher"]["name"].startswith("Publisher of")
        assert kim["quote"] == (
            "it is “highly likely” that North Korean military personnel are assisting "
            "Russian forces"
        )
        assert kim["stated_at"] == "2024-10-08T00:00:00Z"
        assert kim["implied"] is False
        assert kim["via_claim_id"] is None
        assert all(i["quote"] and i["actor"]["name"] and i["source"]["title"] for i in items)

    async def test_demo_label_and_actor_filters(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        claim = demo_ids[DEPLOYED]
        likely = await walk(demo_client, path(claim), label="highly_likely")
        assert actor_ids(likely) == [str(demo_ids["kim-yong-hyun"])]
        kremlin = await walk(demo_client, path(claim), actor_id=str(demo_ids["kremlin"]))
        assert [(i["actor"]["name"], i["label"]) for i in kremlin] == [("Kremlin", "denied")]
        assert await walk(demo_client, path(claim), side="support", label="denied") == []
        everyone = await walk(demo_client, path(claim))
        assert len(everyone) == 8

    async def test_as_of_between_denial_and_confirmation_shows_only_the_denial(
        self, client: httpx.AsyncClient
    ) -> None:
        claim, actor, source = await fresh_parts(client)
        denial = await stance(client, claim, actor, source, "denied", "2024-01-01T00:00:00Z")
        confirmation = await stance(
            client, claim, actor, source, "confirmed", "2024-03-01T00:00:00Z"
        )
        assert ids(await walk(client, path(claim["id"]), as_of="2024-02-01T00:00:00Z")) == [
            denial["id"]
        ]
        assert ids(await walk(client, path(claim["id"]), as_of="2024-03-01T00:00:00Z")) == [
            denial["id"],
            confirmation["id"],
        ]
        assert await walk(client, path(claim["id"]), as_of="2023-12-31T23:59:59Z") == []

    async def test_as_of_ignores_a_later_retraction(self, client: httpx.AsyncClient) -> None:
        claim, _, later = await retracted_stance(client, "2024-06-01T00:00:00Z")
        assert ids(await walk(client, path(claim["id"]), as_of="2024-03-01T00:00:00Z")) == [
            later["id"]
        ]
        # Now (no as_of) the retraction stands.
        assert await walk(client, path(claim["id"])) == []

    async def test_as_of_after_a_retraction_hides_it_unless_included(
        self, client: httpx.AsyncClient
    ) -> None:
        claim, source, retracted = await retracted_stance(client, "2024-02-01T00:00:00Z")
        kept = await stance(
            client, claim, await make_actor(client), source, "denied", "2024-01-15T00:00:00Z"
        )
        as_of = "2024-03-01T00:00:00Z"
        assert ids(await walk(client, path(claim["id"]), as_of=as_of)) == [kept["id"]]
        assert ids(
            await walk(client, path(claim["id"]), as_of=as_of, include_retracted="true")
        ) == [retracted["id"], kept["id"]]
        assert ids(await walk(client, path(claim["id"]), include_retracted="true")) == [
            retracted["id"],
            kept["id"],
        ]

    async def test_retracted_exactly_at_as_of_is_retracted(self, client: httpx.AsyncClient) -> None:
        claim, _, _ = await retracted_stance(client, "2024-02-01T00:00:00Z")
        assert await walk(client, path(claim["id"]), as_of="2024-02-01T00:00:00Z") == []

    async def test_implied_disputers_come_from_contradicting_claims(
        self, client: httpx.AsyncClient
    ) -> None:
        claim, rival, other = (
            await make_claim(client),
            await make_claim(client),
            await make_claim(client),
        )
        await relate(client, rival, claim, "contradicts")  # rival → claim
        await relate(client, claim, other, "contradicts")  # claim → other
        await relate(client, claim, await make_claim(client), "supports")
        source = await make_source(client)
        direct = await stance(client, claim, await make_actor(client), source, "denied")
        backer = await stance(client, rival, await make_actor(client), source, "confirmed")
        other_backer = await stance(client, other, await make_actor(client), source, "likely")
        await stance(client, rival, await make_actor(client), source, "denied")  # disputes rival
        await stance(client, rival, await make_actor(client), source, "reported")

        items = await walk(client, path(claim["id"]), side="dispute", include="implied")
        assert sorted(ids(items)) == sorted([direct["id"], backer["id"], other_backer["id"]])
        by_id = {i["id"]: i for i in items}
        assert (by_id[direct["id"]]["implied"], by_id[direct["id"]]["via_claim_id"]) == (
            False,
            None,
        )
        assert (by_id[backer["id"]]["implied"], by_id[backer["id"]]["via_claim_id"]) == (
            True,
            rival["id"],
        )
        assert by_id[other_backer["id"]]["via_claim_id"] == other["id"]
        assert by_id[backer["id"]]["actor_id"] == backer["actor_id"]
        assert by_id[backer["id"]]["label"] == "confirmed"

        assert await walk(client, path(claim["id"]), side="support", include="implied") == []
        assert ids(await walk(client, path(claim["id"]), side="dispute")) == [direct["id"]]
        everything = await walk(client, path(claim["id"]), include="implied")
        assert sorted(ids(everything)) == sorted(by_id)

    async def test_implied_pages_walk_without_repeats(self, client: httpx.AsyncClient) -> None:
        claim, rival = await make_claim(client), await make_claim(client)
        await relate(client, claim, rival, "contradicts")
        source = await make_source(client)
        expected = []
        for _ in range(4):
            expected.append(
                (await stance(client, claim, await make_actor(client), source, "denied"))["id"]
            )
            expected.append(
                (await stance(client, rival, await make_actor(client), source, "asserted"))["id"]
            )
        one_by_one = await walk(
            client, path(claim["id"]), limit=3, side="dispute", include="implied"
        )
        assert sorted(ids(one_by_one)) == sorted(expected)
        assert len(one_by_one) == 8 == len(set(ids(one_by_one)))
        assert ids(one_by_one) == sorted(ids(one_by_one))  # id order

    async def test_implied_respects_as_of_and_retraction(self, client: httpx.AsyncClient) -> None:
        claim, rival = await make_claim(client), await make_claim(client)
        await relate(client, rival, claim, "contradicts")
        source = await make_source(client)
        early = await stance(
            client, rival, await make_actor(client), source, "asserted", "2024-01-01T00:00:00Z"
        )
        await stance(
            client, rival, await make_actor(client), source, "asserted", "2024-05-01T00:00:00Z"
        )
        await stance(
            client,
            rival,
            await make_actor(client),
            source,
            "asserted",
            "2024-01-01T00:00:00Z",
            retracted_at="2024-02-01T00:00:00Z",
        )
        items = await walk(
            client,
            path(claim["id"]),
            side="dispute",
            include="implied",
            as_of="2024-03-01T00:00:00Z",
        )
        assert ids(items) == [early["id"]]

    async def test_unknown_claim_is_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get(path(uuid.uuid4()))
        assert problem(r, 404)["type"] == "/problems/unknown-claim"

    async def test_invalid_filters_are_422_naming_the_field(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        for param, value in (
            ("side", "against"),
            ("label", "maybe"),
            ("as_of", "yesterday"),
            ("include", "everything"),
            ("actor_id", "nope"),
        ):
            r = await client.get(path(claim["id"]), params={param: value})
            assert param in field_errors(problem(r, 422)), param

    async def test_every_side_lists_rows_once(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        made = [
            await stance(client, claim, await make_actor(client), source, label)
            for label in ("confirmed", "likely", "possible", "questioned", "denied", "reported")
        ]
        first_page = await get_ok(client, path(claim["id"]))
        assert ids(first_page["items"]) == [m["id"] for m in made]
        by_side = {
            side: ids(await walk(client, path(claim["id"]), side=side, limit=1))
            for side in ("support", "neutral", "dispute")
        }
        assert by_side == {
            "support": [made[0]["id"], made[1]["id"]],
            "neutral": [made[2]["id"], made[5]["id"]],
            "dispute": [made[3]["id"], made[4]["id"]],
        }
