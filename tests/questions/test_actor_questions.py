"""The questions asked of actors: GET /v1/actors?q= (names and aliases), what an actor
asserted, denied or hedged (/stances), and where two actors disagree (/disagreements)."""

import uuid

import httpx
import pytest

from tests.conftest import field_errors, problem
from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import Json, ids, stance
from tests.reading import walk

Ids = dict[str, uuid.UUID]


class TestActorSearch:
    @pytest.mark.parametrize(
        ("q", "names"),
        [
            ("kim", {"Kim Jong-un", "Kim Yong-hyun"}),
            ("KIM YONG", {"Kim Yong-hyun"}),
            ("kim yong h", {"Kim Yong-hyun"}),  # alias "Kim Yong Hyun"
            ("kim jong un", {"Kim Jong-un"}),  # alias "Kim Jong Un"
            ("김", {"Kim Jong-un", "Kim Yong-hyun"}),  # aliases 김정은, 김용현
            ("krem", {"Kremlin"}),
            ("the kremlin", {"Kremlin"}),  # alias "The Kremlin"
            ("pyongyang", {"North Korean government", "North Korean officials"}),
            ("seoul", {"South Korean government", "Officials in Seoul"}),  # any word
            ("kpa", {"Korean People's Army"}),
            ("владимир", {"Vladimir Putin"}),
            ("putin", {"Vladimir Putin"}),  # a surname finds the person
            ("yong", {"Kim Yong-hyun"}),
            ("hyun", {"Kim Yong-hyun"}),  # alias "Kim Yong Hyun"
            ("remlin", set()),  # the middle of a word is not the start of one
            ("officials in", {"Officials in Kyiv", "Officials in Seoul"}),
            ("officials in s", {"Officials in Seoul"}),
            ("in seoul", {"Officials in Seoul"}),
            (
                "officials",
                {
                    "Officials in Kyiv",
                    "Officials in Seoul",
                    "North Korean officials",
                    "South Korean defence officials",
                },
            ),
        ],
    )
    async def test_names_and_aliases_by_the_start_of_any_word(
        self, demo_client: httpx.AsyncClient, q: str, names: set[str]
    ) -> None:
        found = await walk(demo_client, "/v1/actors", q=q, limit=2)
        assert {a["name"] for a in found} == names

    async def test_actor_matching_by_name_and_alias_is_listed_once(
        self, demo_client: httpx.AsyncClient
    ) -> None:
        found = await walk(demo_client, "/v1/actors", q="kremlin")  # name and alias "Kremlin…"
        assert [a["name"] for a in found] == ["Kremlin"]

    async def test_q_combines_with_kind_and_country(self, demo_client: httpx.AsyncClient) -> None:
        found = await walk(demo_client, "/v1/actors", q="kim", country="KR")
        assert [a["name"] for a in found] == ["Kim Yong-hyun"]
        assert await walk(demo_client, "/v1/actors", q="kim", kind="government") == []


class TestActorStances:
    async def test_sides_and_labels(self, client: httpx.AsyncClient) -> None:
        actor, source = await make_actor(client), await make_source(client)
        made = {
            label: await stance(client, await make_claim(client), actor, source, label)
            for label in ("confirmed", "likely", "possible", "reported", "denied")
        }
        retracted = await stance(
            client,
            await make_claim(client),
            actor,
            source,
            "questioned",
            "2024-01-01T00:00:00Z",
            retracted_at="2024-02-01T00:00:00Z",
        )
        await stance(client, made["confirmed"]["claim"], await make_actor(client), source, "denied")
        path = f"/v1/actors/{actor['id']}/stances"

        def of(*labels: str) -> list[str]:
            return [made[label]["id"] for label in labels]

        assert ids(await walk(client, path, limit=2)) == of(
            "confirmed", "likely", "possible", "reported", "denied"
        )
        assert ids(await walk(client, path, side="support")) == of("confirmed", "likely")
        assert ids(await walk(client, path, side="neutral")) == of("possible", "reported")
        assert ids(await walk(client, path, side="dispute")) == of("denied")
        assert ids(await walk(client, path, side="dispute", include_retracted="true")) == [
            made["denied"]["id"],
            retracted["id"],  # recorded later: ids follow creation
        ]
        assert ids(await walk(client, path, label="likely")) == of("likely")
        assert await walk(client, path, side="support", label="denied") == []

    async def test_rows_embed_claim_source_and_quote(self, client: httpx.AsyncClient) -> None:
        actor, source = await make_actor(client), await make_source(client, title="The record")
        claim = await make_claim(client, statement="The bridge was destroyed")
        await stance(client, claim, actor, source, "confirmed", quote="the bridge is gone")
        (row,) = await walk(client, f"/v1/actors/{actor['id']}/stances")
        assert row["claim"] == {"id": claim["id"], "statement": "The bridge was destroyed"}
        assert (row["source"]["id"], row["source"]["title"]) == (source["id"], "The record")
        assert row["actor"] == {"id": actor["id"], "name": actor["name"], "kind": "person"}
        assert row["quote"] == "the bridge is gone"

    async def test_demo_kremlin_denied_two_claims(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        path = f"/v1/actors/{demo_ids['kremlin']}/stances"
        disputed = await walk(demo_client, path, side="dispute")
        assert {s["claim"]["id"] for s in disputed} == {
            str(demo_ids["nk-personnel-deployed"]),
            str(demo_ids["nk-arms-sales-to-russia"]),
        }
        assert {s["label"] for s in disputed} == {"denied"}
        assert await walk(demo_client, path, side="support") == []

    async def test_demo_kim_yong_hyun_hedges(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        path = f"/v1/actors/{demo_ids['kim-yong-hyun']}/stances"
        hedged = await walk(demo_client, path, side="neutral")
        assert [(s["claim"]["id"], s["label"]) for s in hedged] == [
            (str(demo_ids["nk-troops-in-combat-zones"]), "possible")
        ]

    async def test_unknown_actor_is_404_and_bad_side_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get(f"/v1/actors/{uuid.uuid4()}/stances")
        assert problem(r, 404)["type"] == "/problems/unknown-actor"
        actor = await make_actor(client)
        r = await client.get(f"/v1/actors/{actor['id']}/stances", params={"side": "for"})
        assert "side" in field_errors(problem(r, 422))


class TestActorDisagreements:
    async def test_exactly_the_claims_on_opposite_sides(self, client: httpx.AsyncClient) -> None:
        a, b, source = await make_actor(client), await make_actor(client), await make_source(client)
        claims = [await make_claim(client) for _ in range(8)]
        s: dict[str, Json] = {}
        s["a0"] = await stance(client, claims[0], a, source, "confirmed")  # a for, b against
        s["b0"] = await stance(client, claims[0], b, source, "denied")
        s["a1"] = await stance(client, claims[1], a, source, "unlikely")  # a against, b for
        s["b1"] = await stance(client, claims[1], b, source, "likely")
        await stance(client, claims[2], a, source, "asserted")  # both for
        await stance(client, claims[2], b, source, "confirmed")
        await stance(client, claims[3], a, source, "asserted")  # b only relays
        await stance(client, claims[3], b, source, "reported")
        await stance(client, claims[4], a, source, "asserted")  # b's denial retracted
        await stance(
            client,
            claims[4],
            b,
            source,
            "denied",
            "2024-01-01T00:00:00Z",
            retracted_at="2024-02-01T00:00:00Z",
        )
        await stance(  # a's support retracted
            client,
            claims[5],
            a,
            source,
            "asserted",
            "2024-01-01T00:00:00Z",
            retracted_at="2024-02-01T00:00:00Z",
        )
        await stance(client, claims[5], b, source, "denied")
        s["a6"] = await stance(client, claims[6], a, source, "asserted", "2024-01-01T00:00:00Z")
        s["a6x"] = await stance(client, claims[6], a, source, "denied", "2024-03-01T00:00:00Z")
        s["b6"] = await stance(client, claims[6], b, source, "questioned")
        await stance(client, claims[7], a, source, "denied")  # only a
        await stance(client, claims[7], await make_actor(client), source, "confirmed")

        path = f"/v1/actors/{a['id']}/disagreements"
        items = await walk(client, path, with_actor_id=b["id"], limit=1)
        assert [i["claim"]["id"] for i in items] == [
            claims[0]["id"],
            claims[1]["id"],
            claims[6]["id"],
        ]
        assert [(ids(i["stances"]), ids(i["other_stances"])) for i in items] == [
            ([s["a0"]["id"]], [s["b0"]["id"]]),
            ([s["a1"]["id"]], [s["b1"]["id"]]),
            ([s["a6"]["id"], s["a6x"]["id"]], [s["b6"]["id"]]),
        ]
        assert items[0]["claim"]["statement"] == claims[0]["statement"]
        assert items[0]["stances"][0]["actor"]["id"] == a["id"]
        assert items[0]["other_stances"][0]["actor"]["id"] == b["id"]

        mirrored = await walk(client, f"/v1/actors/{b['id']}/disagreements", with_actor_id=a["id"])
        assert [
            (i["claim"]["id"], ids(i["stances"]), ids(i["other_stances"])) for i in mirrored
        ] == [(i["claim"]["id"], ids(i["other_stances"]), ids(i["stances"])) for i in items]

    async def test_demo_kremlin_and_ukrainian_intelligence(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(
            demo_client,
            f"/v1/actors/{demo_ids['kremlin']}/disagreements",
            with_actor_id=str(demo_ids["ukrainian-intelligence"]),
        )
        assert {i["claim"]["id"] for i in items} == {
            str(demo_ids["nk-personnel-deployed"]),
            str(demo_ids["nk-arms-sales-to-russia"]),
        }
        for item in items:
            assert [(x["label"], x["actor"]["name"]) for x in item["stances"]] == [
                ("denied", "Kremlin")
            ]
            assert [(x["label"], x["actor"]["name"]) for x in item["other_stances"]] == [
                ("asserted", "Ukrainian intelligence")
            ]

    async def test_demo_allies_do_not_disagree(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        assert (
            await walk(
                demo_client,
                f"/v1/actors/{demo_ids['kremlin']}/disagreements",
                with_actor_id=str(demo_ids["north-korean-officials"]),
            )
            == []
        )
        # The article only reports the deployment, but asserts the arms sales.
        items = await walk(
            demo_client,
            f"/v1/actors/{demo_ids['kremlin']}/disagreements",
            with_actor_id=str(demo_ids["article-publisher"]),
        )
        assert [i["claim"]["id"] for i in items] == [str(demo_ids["nk-arms-sales-to-russia"])]

    async def test_unknown_actors_are_404_and_the_other_is_required(
        self, client: httpx.AsyncClient
    ) -> None:
        actor = await make_actor(client)
        r = await client.get(
            f"/v1/actors/{uuid.uuid4()}/disagreements", params={"with_actor_id": actor["id"]}
        )
        assert problem(r, 404)["type"] == "/problems/unknown-actor"
        r = await client.get(
            f"/v1/actors/{actor['id']}/disagreements", params={"with_actor_id": str(uuid.uuid4())}
        )
        assert problem(r, 404)["type"] == "/problems/unknown-actor"
        r = await client.get(f"/v1/actors/{actor['id']}/disagreements")
        assert "with_actor_id" in field_errors(problem(r, 422))
