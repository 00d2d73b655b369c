"""GET /v1/claims/{id}/sides: the sides of a claim rolled up by actor, organization, country."""

import uuid
from typing import Any

import httpx

from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import Json, refuses_unknown_claim_and_bad_parameter, stance
from tests.reading import get_ok

Ids = dict[str, uuid.UUID]


def groups(body: Json, side: str) -> dict[Any, list[str]]:
    """A side's groups: key → member actor names."""
    return {g["key"]: [a["name"] for a in g["actors"]] for g in body["sides"][side]}


async def affiliate(
    client: httpx.AsyncClient, actor: Json, organization: Json, **over: Any
) -> None:
    r = await client.post(
        f"/v1/actors/{actor['id']}/affiliations",
        json={"organization_id": organization["id"], "kind": "member_of", **over},
    )
    assert r.status_code == 201, r.text


class TestClaimSides:
    async def test_demo_by_organization(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        body = await get_ok(
            demo_client,
            f"/v1/claims/{demo_ids['nk-personnel-deployed']}/sides",
            group_by="organization",
        )
        assert body["group_by"] == "organization"
        assert groups(body, "support") == {
            str(demo_ids["south-korean-government"]): [
                "Kim Yong-hyun",
                "Officials in Seoul",
                "South Korean defence officials",
            ],
            str(demo_ids["ukrainian-government"]): ["Officials in Kyiv", "Ukrainian intelligence"],
        }
        south_korea = body["sides"]["support"][0]
        assert (south_korea["name"], south_korea["kind"], south_korea["stances"]) == (
            "South Korean government",
            "government",
            3,
        )
        assert south_korea["labels"] == {"highly_likely": 1, "asserted": 2}
        assert groups(body, "dispute") == {
            str(demo_ids["north-korean-government"]): ["North Korean officials"],
            str(demo_ids["russian-government"]): ["Kremlin"],
        }
        assert groups(body, "neutral") == {
            str(demo_ids["article-publisher"]): [
                "Publisher of “North Korean Soldiers Back Russian Forces in Ukraine”"
            ]
        }

    async def test_demo_by_country(self, demo_client: httpx.AsyncClient, demo_ids: Ids) -> None:
        body = await get_ok(
            demo_client,
            f"/v1/claims/{demo_ids['nk-personnel-deployed']}/sides",
            group_by="country",
        )
        assert groups(body, "support") == {
            "KR": ["Kim Yong-hyun", "Officials in Seoul", "South Korean defence officials"],
            "UA": ["Officials in Kyiv", "Ukrainian intelligence"],
        }
        assert [(g["key"], g["stances"]) for g in body["sides"]["support"]] == [
            ("KR", 3),
            ("UA", 2),
        ]
        assert groups(body, "dispute") == {
            "KP": ["North Korean officials"],
            "RU": ["Kremlin"],
        }
        assert [(g["key"], g["name"]) for g in body["sides"]["neutral"]] == [(None, "unknown")]

    async def test_demo_by_actor(self, demo_client: httpx.AsyncClient, demo_ids: Ids) -> None:
        body = await get_ok(demo_client, f"/v1/claims/{demo_ids['nk-personnel-deployed']}/sides")
        assert body["group_by"] == "actor"
        assert sorted(groups(body, "dispute")) == sorted(
            str(demo_ids[k]) for k in ("kremlin", "north-korean-officials")
        )
        assert len(body["sides"]["support"]) == 5

    async def test_affiliation_counts_only_while_valid(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        ministry = await make_actor(client, kind="government", name="Ministry", country="FR")
        government = await make_actor(client, kind="government", name="Cabinet", country="FR")
        minister = await make_actor(client, name="The minister")
        await affiliate(
            client,
            minister,
            ministry,
            valid_from="2024-01-01T00:00:00Z",
            valid_to="2024-06-30T00:00:00Z",
        )
        await affiliate(client, ministry, government, kind="part_of")
        await stance(client, claim, minister, source, "asserted", "2024-03-01T00:00:00Z")
        await stance(client, claim, minister, source, "denied", "2024-09-01T00:00:00Z")

        by_org = await get_ok(client, f"/v1/claims/{claim['id']}/sides", group_by="organization")
        # In office, the minister's stance rolls up two levels to the cabinet; after, to itself.
        assert groups(by_org, "support") == {government["id"]: ["The minister"]}
        assert groups(by_org, "dispute") == {minister["id"]: ["The minister"]}
        by_country = await get_ok(client, f"/v1/claims/{claim['id']}/sides", group_by="country")
        assert groups(by_country, "support") == {"FR": ["The minister"]}
        assert groups(by_country, "dispute") == {None: ["The minister"]}

    async def test_as_of_leaves_out_later_stances(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        actor = await make_actor(client)
        await stance(client, claim, actor, source, "asserted", "2024-03-01T00:00:00Z")
        await stance(client, claim, actor, source, "denied", "2024-09-01T00:00:00Z")
        body = await get_ok(client, f"/v1/claims/{claim['id']}/sides", as_of="2024-06-01T00:00:00Z")
        assert groups(body, "support") == {actor["id"]: [actor["name"]]}
        assert body["sides"]["dispute"] == []

    async def test_affiliation_cycle_ends(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        a = await make_actor(client, kind="organization", name="Org A")
        b = await make_actor(client, kind="organization", name="Org B")
        await affiliate(client, a, b, kind="part_of")
        await affiliate(client, b, a, kind="part_of")
        await stance(client, claim, a, source, "asserted")
        body = await get_ok(client, f"/v1/claims/{claim['id']}/sides", group_by="organization")
        assert [a["name"] for g in body["sides"]["support"] for a in g["actors"]] == ["Org A"]

    async def test_unknown_claim_is_404_and_bad_group_by_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        await refuses_unknown_claim_and_bad_parameter(client, "sides", "group_by", "planet")
