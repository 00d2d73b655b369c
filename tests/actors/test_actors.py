"""Actors: /v1/actors create, list, get, update, delete."""

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import field_errors, kept_as_referenced, problem
from tests.factories import make_actor, make_claim, make_source, make_stance
from tests.reading import pages

DESIGN_FIELDS = {"id", "kind", "name", "aliases", "country", "external_ids", "reliability"}


async def _list(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/v1/actors", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [a["name"] for a in items]


class TestCreateActor:
    async def test_returns_201_with_location_and_design_fields(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {
            "kind": "government",
            "name": "Kremlin",
            "aliases": ["Russian Presidential Administration"],
            "country": "RU",
            "description": "The Russian presidency.",
            "external_ids": {"wikidata": "Q1"},
            "reliability": "C",
        }
        r = await client.post("/v1/actors", json=body)
        assert r.status_code == 201, r.text
        actor = r.json()
        assert actor.keys() >= DESIGN_FIELDS
        assert r.headers["location"].endswith(f"/v1/actors/{actor['id']}")
        assert uuid.UUID(actor["id"])
        assert actor["kind"] == "government"
        assert actor["name"] == "Kremlin"
        assert actor["aliases"] == ["Russian Presidential Administration"]
        assert actor["country"] == "RU"
        assert actor["external_ids"] == {"wikidata": "Q1"}
        assert actor["reliability"] == "C"
        assert actor["version"] == 1

    async def test_location_header_resolves_to_the_actor(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/v1/actors", json={"kind": "person", "name": "Kim Yong-hyun"})
        assert r.status_code == 201, r.text
        got = await client.get(r.headers["location"])
        assert got.status_code == 200, got.text
        assert got.json() == r.json()

    async def test_defaults_for_optional_fields(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, kind="group", name="South Korean officials")
        assert actor["aliases"] == []
        assert actor["external_ids"] == {}
        assert actor["country"] is None
        assert actor["reliability"] is None

    async def test_lower_case_country_is_upper_cased(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, country="kr")
        assert actor["country"] == "KR"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("kind", "alien"),
            ("country", "KOR"),
            ("country", "K1"),
            ("reliability", "G"),
            ("reliability", "a+"),
        ],
    )
    async def test_invalid_value_is_422_naming_the_field(
        self, client: httpx.AsyncClient, field: str, value: str
    ) -> None:
        body = {"kind": "person", "name": "Somebody", field: value}
        r = await client.post("/v1/actors", json=body)
        assert field in field_errors(problem(r, 422))

    async def test_unknown_field_is_refused(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/v1/actors", json={"kind": "person", "name": "Mallory", "version": 99}
        )
        assert "version" in field_errors(problem(r, 422))
        listed = await _list(client)
        assert listed == []

    @pytest.mark.parametrize("name", ["", "   "])
    async def test_empty_name_is_422(self, client: httpx.AsyncClient, name: str) -> None:
        r = await client.post("/v1/actors", json={"kind": "person", "name": name})
        assert "name" in field_errors(problem(r, 422))

    async def test_missing_kind_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/v1/actors", json={"name": "No Kind"})
        assert "kind" in field_errors(problem(r, 422))

    async def test_duplicate_kind_and_name_is_409_with_existing_id(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await make_actor(client, kind="government", name="Kremlin")
        r = await client.post("/v1/actors", json={"kind": "government", "name": "Kremlin"})
        body = problem(r, 409)
        assert body["existing_id"] == first["id"]
        assert len(await _list(client)) == 1

    async def test_same_name_with_different_kind_is_allowed(
        self, client: httpx.AsyncClient
    ) -> None:
        gov = await make_actor(client, kind="government", name="Ukraine")
        mil = await make_actor(client, kind="military", name="Ukraine")
        assert gov["id"] != mil["id"]
        assert {a["kind"] for a in await _list(client, name_prefix="Ukraine")} == {
            "government",
            "military",
        }

    async def test_duplicate_external_id_is_409(self, client: httpx.AsyncClient) -> None:
        first = await make_actor(client, external_ids={"wikidata": "Q1"})
        r = await client.post(
            "/v1/actors",
            json={"kind": "person", "name": "Someone Else", "external_ids": {"wikidata": "Q1"}},
        )
        body = problem(r, 409)
        assert body["existing_id"] == first["id"]

    async def test_same_external_value_in_another_scheme_is_allowed(
        self, client: httpx.AsyncClient
    ) -> None:
        await make_actor(client, external_ids={"wikidata": "Q1"})
        other = await make_actor(client, external_ids={"viaf": "Q1"})
        assert other["external_ids"] == {"viaf": "Q1"}

    async def test_repeated_aliases_are_kept_once(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, aliases=["DPRK", "dprk", "North Korea"])
        assert actor["aliases"] == ["DPRK", "North Korea"]


class TestGetActor:
    async def test_returns_the_actor(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, aliases=["A1", "A2"], external_ids={"wikidata": "Q5"})
        r = await client.get(f"/v1/actors/{actor['id']}")
        assert r.status_code == 200, r.text
        assert r.json() == actor


class TestListActors:
    async def test_empty(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/actors")
        assert r.status_code == 200, r.text
        assert r.json() == {"items": [], "next_cursor": None}
        assert "link" not in r.headers

    async def test_filters_by_kind(self, client: httpx.AsyncClient) -> None:
        await make_actor(client, kind="person", name="P")
        await make_actor(client, kind="media", name="M")
        assert _names(await _list(client, kind="media")) == ["M"]

    async def test_invalid_kind_filter_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/actors", params={"kind": "alien"})
        assert "kind" in field_errors(problem(r, 422))

    async def test_filters_by_country_case_insensitively(self, client: httpx.AsyncClient) -> None:
        await make_actor(client, name="Seoul", country="KR")
        await make_actor(client, name="Kyiv", country="UA")
        await make_actor(client, name="Nowhere")
        assert _names(await _list(client, country="kr")) == ["Seoul"]
        assert _names(await _list(client, country="UA")) == ["Kyiv"]

    async def test_filters_by_name_prefix_case_insensitively(
        self, client: httpx.AsyncClient
    ) -> None:
        await make_actor(client, name="Kim Jong Un")
        await make_actor(client, name="Kim Yong-hyun")
        await make_actor(client, name="Volodymyr Zelensky")
        assert _names(await _list(client, name_prefix="kIM ")) == ["Kim Jong Un", "Kim Yong-hyun"]
        assert _names(await _list(client, name_prefix="KIM Y")) == ["Kim Yong-hyun"]
        assert await _list(client, name_prefix="Jong") == []

    async def test_name_prefix_keeps_a_trailing_space(self, client: httpx.AsyncClient) -> None:
        await make_actor(client, name="Kim  Jong Un")
        await make_actor(client, name="Kimberly Ross")
        assert _names(await _list(client, name_prefix="kim ")) == ["Kim  Jong Un"]
        assert _names(await _list(client, name_prefix="kim")) == ["Kim  Jong Un", "Kimberly Ross"]

    @pytest.mark.parametrize(
        ("prefix", "literal", "lookalike"),
        [("50%", "50% Club", "500 Club"), ("a_b", "a_b group", "axb group")],
    )
    async def test_name_prefix_wildcards_are_literal(
        self, client: httpx.AsyncClient, prefix: str, literal: str, lookalike: str
    ) -> None:
        await make_actor(client, name=literal)
        await make_actor(client, name=lookalike)
        assert _names(await _list(client, name_prefix=prefix)) == [literal]

    async def test_combines_filters(self, client: httpx.AsyncClient) -> None:
        await make_actor(client, kind="person", name="Kim A", country="KR")
        await make_actor(client, kind="person", name="Kim B", country="KP")
        await make_actor(client, kind="agency", name="Kim C", country="KR")
        got = await _list(client, kind="person", country="KR", name_prefix="kim")
        assert _names(got) == ["Kim A"]

    async def test_walks_every_page_via_next_cursor(self, client: httpx.AsyncClient) -> None:
        created = [(await make_actor(client))["id"] for _ in range(7)]
        responses = await pages(client, "/v1/actors", limit=3)
        for r in responses[:-1]:
            link = r.headers["link"]
            assert link.endswith('; rel="next"')
            assert f"cursor={r.json()['next_cursor']}" in link
            assert "limit=3" in link
        assert "link" not in responses[-1].headers
        seen = [a["id"] for r in responses for a in r.json()["items"]]
        assert len(responses) == 3
        assert seen == created

    async def test_link_header_url_fetches_the_next_page(self, client: httpx.AsyncClient) -> None:
        ids = [(await make_actor(client, kind="media"))["id"] for _ in range(3)]
        first = await client.get("/v1/actors", params={"limit": 2, "kind": "media"})
        link = first.headers["link"]
        url = link[link.index("<") + 1 : link.index(">")]
        second = await client.get(url)
        assert second.status_code == 200, second.text
        assert [a["id"] for a in second.json()["items"]] == ids[2:]
        assert second.json()["next_cursor"] is None

    async def test_exact_last_page_has_no_cursor(self, client: httpx.AsyncClient) -> None:
        for _ in range(3):
            await make_actor(client)
        r = await client.get("/v1/actors", params={"limit": 3})
        assert len(r.json()["items"]) == 3
        assert r.json()["next_cursor"] is None
        assert "link" not in r.headers

    @pytest.mark.parametrize("limit", [0, 501, -1])
    async def test_limit_out_of_range_is_422(self, client: httpx.AsyncClient, limit: int) -> None:
        r = await client.get("/v1/actors", params={"limit": limit})
        assert "limit" in field_errors(problem(r, 422))

    async def test_limit_500_is_allowed(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/actors", params={"limit": 500})
        assert r.status_code == 200, r.text

    @pytest.mark.parametrize("cursor", ["garbage", "!!!", "AAAA"])
    async def test_garbage_cursor_is_422(self, client: httpx.AsyncClient, cursor: str) -> None:
        r = await client.get("/v1/actors", params={"cursor": cursor})
        assert problem(r, 422)["type"] == "/problems/invalid-cursor"


class TestUpdateActor:
    async def test_changes_only_given_fields_and_bumps_version(
        self, client: httpx.AsyncClient
    ) -> None:
        actor = await make_actor(
            client,
            kind="agency",
            name="NIS",
            country="KR",
            aliases=["National Intelligence"],
            external_ids={"wikidata": "Q485"},
            reliability="B",
            description="Spy agency",
        )
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"reliability": "A"})
        assert r.status_code == 200, r.text
        after = r.json()
        assert after["reliability"] == "A"
        assert after["version"] == actor["version"] + 1
        unchanged = {
            k: v for k, v in actor.items() if k not in ("reliability", "version", "updated_at")
        }
        assert {k: after[k] for k in unchanged} == unchanged
        assert (await client.get(f"/v1/actors/{actor['id']}")).json() == after

    async def test_renames(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, name="Old Name")
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"name": "New Name"})
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "New Name"
        assert _names(await _list(client, name_prefix="new")) == ["New Name"]
        assert await _list(client, name_prefix="old") == []

    async def test_country_is_upper_cased_and_can_be_cleared(
        self, client: httpx.AsyncClient
    ) -> None:
        actor = await make_actor(client, country="UA")
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"country": "kp"})
        assert r.json()["country"] == "KP"
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"country": None})
        assert r.status_code == 200, r.text
        assert r.json()["country"] is None

    async def test_aliases_are_replaced(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, aliases=["A", "B"])
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"aliases": ["B", "C"]})
        assert r.status_code == 200, r.text
        assert r.json()["aliases"] == ["B", "C"]
        assert (await client.get(f"/v1/actors/{actor['id']}")).json()["aliases"] == ["B", "C"]

    async def test_aliases_can_be_emptied(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, aliases=["A", "B"])
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"aliases": []})
        assert r.status_code == 200, r.text
        assert (await client.get(f"/v1/actors/{actor['id']}")).json()["aliases"] == []

    async def test_external_ids_are_replaced(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, external_ids={"wikidata": "Q1", "viaf": "123"})
        r = await client.patch(
            f"/v1/actors/{actor['id']}", json={"external_ids": {"wikidata": "Q2"}}
        )
        assert r.status_code == 200, r.text
        assert r.json()["external_ids"] == {"wikidata": "Q2"}
        # the released pair is free for another actor
        other = await make_actor(client, external_ids={"viaf": "123"})
        assert other["external_ids"] == {"viaf": "123"}

    async def test_external_ids_may_repeat_the_same_pair(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, external_ids={"wikidata": "Q1"})
        r = await client.patch(
            f"/v1/actors/{actor['id']}",
            json={"external_ids": {"wikidata": "Q1", "isni": "0000 0001"}},
        )
        assert r.status_code == 200, r.text
        got = (await client.get(f"/v1/actors/{actor['id']}")).json()
        assert got["external_ids"] == {"wikidata": "Q1", "isni": "0000 0001"}

    async def test_external_id_of_another_actor_is_409(self, client: httpx.AsyncClient) -> None:
        owner = await make_actor(client, external_ids={"wikidata": "Q1"})
        actor = await make_actor(client)
        r = await client.patch(
            f"/v1/actors/{actor['id']}", json={"external_ids": {"wikidata": "Q1"}}
        )
        assert problem(r, 409)["existing_id"] == owner["id"]
        assert (await client.get(f"/v1/actors/{actor['id']}")).json()["external_ids"] == {}

    async def test_name_colliding_with_another_actor_is_409(
        self, client: httpx.AsyncClient
    ) -> None:
        taken = await make_actor(client, kind="person", name="Taken")
        actor = await make_actor(client, kind="person", name="Free")
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"name": "Taken"})
        assert problem(r, 409)["existing_id"] == taken["id"]
        assert (await client.get(f"/v1/actors/{actor['id']}")).json()["name"] == "Free"

    async def test_kind_change_colliding_is_409(self, client: httpx.AsyncClient) -> None:
        taken = await make_actor(client, kind="government", name="Ukraine")
        actor = await make_actor(client, kind="military", name="Ukraine")
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"kind": "government"})
        assert problem(r, 409)["existing_id"] == taken["id"]

    async def test_renaming_to_own_name_is_fine(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, name="Same")
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"name": "Same"})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1  # nothing changed: no new version, no history entry
        history = (await client.get(f"/v1/actors/{actor['id']}/history")).json()["items"]
        assert [c["action"] for c in history] == ["create"]

    @pytest.mark.parametrize("field", ["name", "kind"])
    async def test_null_required_field_is_422(self, client: httpx.AsyncClient, field: str) -> None:
        actor = await make_actor(client)
        r = await client.patch(f"/v1/actors/{actor['id']}", json={field: None})
        assert field in field_errors(problem(r, 422))
        assert (await client.get(f"/v1/actors/{actor['id']}")).json() == actor

    async def test_invalid_reliability_is_422(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client)
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"reliability": "Z"})
        assert "reliability" in field_errors(problem(r, 422))

    async def test_unknown_field_is_refused(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client)
        r = await client.patch(f"/v1/actors/{actor['id']}", json={"id": str(uuid.uuid4())})
        assert "id" in field_errors(problem(r, 422))
        assert (await client.get(f"/v1/actors/{actor['id']}")).status_code == 200


class TestDeleteActor:
    async def test_deletes_then_410_gone_with_history(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client)
        r = await client.delete(f"/v1/actors/{actor['id']}")
        assert r.status_code == 204, r.text
        assert r.content == b""
        gone = await client.get(f"/v1/actors/{actor['id']}")
        body = problem(gone, 410)
        assert body["type"] == "/problems/deleted"
        assert body["history"] == f"/v1/actors/{actor['id']}/history"
        assert gone.headers["link"] == f'</v1/actors/{actor["id"]}/history>; rel="history"'
        assert problem(await client.delete(f"/v1/actors/{actor['id']}"), 410)

    async def test_deletes_aliases_and_external_ids_with_it(
        self, client: httpx.AsyncClient
    ) -> None:
        actor = await make_actor(client, aliases=["X", "Y"], external_ids={"wikidata": "Q9"})
        r = await client.delete(f"/v1/actors/{actor['id']}")
        assert r.status_code == 204, r.text
        reused = await make_actor(client, aliases=["X"], external_ids={"wikidata": "Q9"})
        assert reused["external_ids"] == {"wikidata": "Q9"}

    async def test_actor_with_a_stance_is_409(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client)
        await make_stance(client, actor_id=actor["id"])
        body = await kept_as_referenced(client, f"/v1/actors/{actor['id']}")
        assert body["references"] == {"stances": 1}

    async def test_publisher_of_a_source_is_409(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client, kind="media")
        await make_source(client, publisher_id=actor["id"])
        await kept_as_referenced(client, f"/v1/actors/{actor['id']}")

    async def test_subject_of_a_claim_is_409(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client)
        await make_claim(client, about_actor_ids=[actor["id"]])
        body = await kept_as_referenced(client, f"/v1/actors/{actor['id']}")
        assert body["references"] == {"claims as subject": 1}

    async def test_author_of_a_source_is_409(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client)
        await make_source(client, author_ids=[actor["id"]])
        await kept_as_referenced(client, f"/v1/actors/{actor['id']}")

    async def test_actor_with_own_affiliation_is_deleted_with_it(
        self, client: httpx.AsyncClient
    ) -> None:
        org = await make_actor(client, kind="government")
        member = await make_actor(client)
        r = await client.post(
            f"/v1/actors/{member['id']}/affiliations",
            json={"organization_id": org["id"], "kind": "member_of"},
        )
        assert r.status_code == 201, r.text
        aff = r.json()
        r = await client.delete(f"/v1/actors/{member['id']}")
        assert r.status_code == 204, r.text
        gone = await client.get(f"/v1/actors/{member['id']}/affiliations/{aff['id']}")
        assert problem(gone, 404)["type"] == "/problems/unknown-affiliation"
        members = await client.get(
            f"/v1/actors/{org['id']}/affiliations", params={"direction": "incoming"}
        )
        assert members.json()["items"] == []
        # with no members left, the organization can go too
        assert (await client.delete(f"/v1/actors/{org['id']}")).status_code == 204
