"""Claims: create, read, list, update, delete through the HTTP API."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import field_errors, kept_as_referenced, problem
from tests.factories import make_actor, make_claim, make_stance
from tests.reading import pages, walk

CLAIM_FIELDS = {"id", "statement", "tags", "about_actor_ids", "occurred_from", "occurred_to"}


class TestCreateClaim:
    async def test_created_with_location_and_design_names(self, client: httpx.AsyncClient) -> None:
        actor = await make_actor(client)
        r = await client.post(
            "/v1/claims",
            json={
                "statement": "North Korean military personnel are deployed with Russian forces",
                "tags": ["north-korea"],
                "about_actor_ids": [actor["id"]],
                "occurred_from": "2024-10-01T00:00:00Z",
                "occurred_to": "2024-10-10T00:00:00Z",
            },
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) >= CLAIM_FIELDS
        uuid.UUID(body["id"])
        assert r.headers["location"].endswith(f"/v1/claims/{body['id']}")
        assert body["statement"] == (
            "North Korean military personnel are deployed with Russian forces"
        )
        assert body["tags"] == ["north-korea"]
        assert body["about_actor_ids"] == [actor["id"]]
        assert datetime.fromisoformat(body["occurred_from"]) == datetime(2024, 10, 1, tzinfo=UTC)
        assert datetime.fromisoformat(body["occurred_to"]) == datetime(2024, 10, 10, tzinfo=UTC)
        assert body["version"] == 1
        got = await client.get(r.headers["location"])
        assert got.status_code == 200
        assert got.json()["statement"] == body["statement"]

    async def test_tags_are_lower_cased_and_deduplicated(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client, tags=["Russia", "russia", "UKRAINE-WAR", "ukraine-war"])
        assert sorted(claim["tags"]) == ["russia", "ukraine-war"]

    async def test_about_actor_ids_keep_order_without_repeats(
        self, client: httpx.AsyncClient
    ) -> None:
        a, b = await make_actor(client), await make_actor(client)
        claim = await make_claim(client, about_actor_ids=[b["id"], a["id"], b["id"]])
        assert claim["about_actor_ids"] == [b["id"], a["id"]]

    async def test_duplicate_statement_ignoring_case_and_spaces_is_409(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await make_claim(client, statement="The sky is green over Seoul")
        r = await client.post("/v1/claims", json={"statement": "  the SKY is   green\tover seoul "})
        body = problem(r, 409)
        assert body["existing_id"] == first["id"]
        assert len(await walk(client, "/v1/claims")) == 1

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            pytest.param({"statement": "   "}, "statement", id="empty statement"),
            pytest.param({"tags": ["x"]}, "statement", id="missing statement"),
            pytest.param(
                {"statement": "Something happened", "about_actor_ids": [str(uuid.uuid4())]},
                "about_actor_ids",
                id="unknown about actor",
            ),
            pytest.param(
                {
                    "statement": "Something happened backwards",
                    "occurred_from": "2024-10-10T00:00:00Z",
                    "occurred_to": "2024-10-01T00:00:00Z",
                },
                "occurred_to",
                id="occurred_to before occurred_from",
            ),
            pytest.param({"statement": "Typo", "tagz": ["x"]}, "tagz", id="unknown field"),
        ],
    )
    async def test_bad_body_is_422_naming_the_field(
        self, client: httpx.AsyncClient, body: dict[str, Any], field: str
    ) -> None:
        r = await client.post("/v1/claims", json=body)
        assert field in field_errors(problem(r, 422))
        assert await walk(client, "/v1/claims") == []

    async def test_date_only_is_returned_as_utc_datetime(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client, occurred_from="2024-10-01")
        value = claim["occurred_from"]
        assert value.startswith("2024-10-01T00:00:00")
        parsed = datetime.fromisoformat(value)
        assert parsed.utcoffset() is not None
        assert parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        assert parsed == datetime(2024, 10, 1, tzinfo=UTC)
        again = (await client.get(f"/v1/claims/{claim['id']}")).json()
        assert datetime.fromisoformat(again["occurred_from"]) == parsed

    async def test_invalid_tag_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/v1/claims", json={"statement": "Tagged", "tags": ["no spaces"]})
        assert any(f.startswith("tags") for f in field_errors(problem(r, 422)))


class TestGetClaim:
    async def test_returns_claim_with_summary(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client, tags=["a"])
        r = await client.get(f"/v1/claims/{claim['id']}")
        assert r.status_code == 200
        body = r.json()
        assert {k: body[k] for k in CLAIM_FIELDS} == {k: claim[k] for k in CLAIM_FIELDS}
        assert body["summary"]["total"] == 0
        assert body["summary"]["contested"] is False


class TestListClaims:
    async def test_filter_by_tag(self, client: httpx.AsyncClient) -> None:
        tagged = await make_claim(client, tags=["missiles", "russia"])
        await make_claim(client, tags=["russia"])
        await make_claim(client)
        items = await walk(client, "/v1/claims", tag="missiles")
        assert [c["id"] for c in items] == [tagged["id"]]
        upper = await walk(client, "/v1/claims", tag="MISSILES")
        assert [c["id"] for c in upper] == [tagged["id"]]
        assert len(await walk(client, "/v1/claims", tag="russia")) == 2

    async def test_filter_by_about_actor(self, client: httpx.AsyncClient) -> None:
        kim, putin = await make_actor(client), await make_actor(client)
        both = await make_claim(client, about_actor_ids=[kim["id"], putin["id"]])
        only_kim = await make_claim(client, about_actor_ids=[kim["id"]])
        await make_claim(client)
        items = await walk(client, "/v1/claims", about_actor_id=kim["id"])
        assert {c["id"] for c in items} == {both["id"], only_kim["id"]}
        items = await walk(client, "/v1/claims", about_actor_id=putin["id"])
        assert [c["id"] for c in items] == [both["id"]]

    async def test_filter_by_statement_text(self, client: httpx.AsyncClient) -> None:
        hit = await make_claim(client, statement="Pyongyang supplies 50% of shells")
        await make_claim(client, statement="Seoul supplies nothing")
        items = await walk(client, "/v1/claims", q="PYONGYANG")
        assert [c["id"] for c in items] == [hit["id"]]
        items = await walk(client, "/v1/claims", q="50%")
        assert [c["id"] for c in items] == [hit["id"]]
        assert await walk(client, "/v1/claims", q="0%_of") == []

    async def test_pagination_visits_each_claim_once(self, client: httpx.AsyncClient) -> None:
        ids = {(await make_claim(client))["id"] for _ in range(5)}
        responses = await pages(client, "/v1/claims", limit=2)
        for r in responses[:-1]:
            assert f"cursor={r.json()['next_cursor']}" in r.headers["link"]
            assert 'rel="next"' in r.headers["link"]
        assert "link" not in responses[-1].headers
        seen = [c["id"] for r in responses for c in r.json()["items"]]
        assert len(responses) == 3
        assert len(seen) == 5
        assert set(seen) == ids

    async def test_bad_cursor_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/claims", params={"cursor": "!!!"})
        problem(r, 422)

    async def test_limit_above_maximum_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/claims", params={"limit": 501})
        assert "limit" in field_errors(problem(r, 422))


class TestUpdateClaim:
    async def test_statement_tags_and_about_change_and_version_increments(
        self, client: httpx.AsyncClient
    ) -> None:
        a, b = await make_actor(client), await make_actor(client)
        claim = await make_claim(client, tags=["old"], about_actor_ids=[a["id"]])
        r = await client.patch(
            f"/v1/claims/{claim['id']}",
            json={
                "statement": "A reworded statement",
                "tags": ["New", "second"],
                "about_actor_ids": [b["id"]],
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["statement"] == "A reworded statement"
        assert sorted(body["tags"]) == ["new", "second"]
        assert body["about_actor_ids"] == [b["id"]]
        assert body["version"] == claim["version"] + 1
        again = (await client.get(f"/v1/claims/{claim['id']}")).json()
        assert again["statement"] == "A reworded statement"
        assert sorted(again["tags"]) == ["new", "second"]
        assert again["about_actor_ids"] == [b["id"]]
        assert again["version"] == claim["version"] + 1

    async def test_omitted_fields_are_kept(self, client: httpx.AsyncClient) -> None:
        a = await make_actor(client)
        claim = await make_claim(client, tags=["keep"], about_actor_ids=[a["id"]])
        r = await client.patch(f"/v1/claims/{claim['id']}", json={"tags": ["other"]})
        assert r.status_code == 200, r.text
        assert r.json()["tags"] == ["other"]
        assert r.json()["about_actor_ids"] == [a["id"]]
        assert r.json()["statement"] == claim["statement"]

    async def test_statement_collision_is_409(self, client: httpx.AsyncClient) -> None:
        taken = await make_claim(client, statement="Already recorded statement")
        claim = await make_claim(client)
        r = await client.patch(
            f"/v1/claims/{claim['id']}", json={"statement": "ALREADY recorded  statement"}
        )
        assert problem(r, 409)["existing_id"] == taken["id"]
        after = (await client.get(f"/v1/claims/{claim['id']}")).json()
        assert after["statement"] == claim["statement"]
        assert after["version"] == claim["version"]

    async def test_restating_own_statement_is_allowed(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client, statement="Same statement here")
        r = await client.patch(
            f"/v1/claims/{claim['id']}", json={"statement": "same STATEMENT here"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["statement"] == "same STATEMENT here"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            pytest.param({"statement": None}, "statement", id="null statement"),
            pytest.param(
                {"about_actor_ids": [str(uuid.uuid4())]},
                "about_actor_ids",
                id="unknown about actor",
            ),
        ],
    )
    async def test_bad_change_is_422_naming_the_field(
        self, client: httpx.AsyncClient, change: dict[str, Any], field: str
    ) -> None:
        claim = await make_claim(client)
        r = await client.patch(f"/v1/claims/{claim['id']}", json=change)
        assert field in field_errors(problem(r, 422))

    async def test_interval_checked_against_stored_bound(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client, occurred_from="2024-10-05T00:00:00Z")
        r = await client.patch(
            f"/v1/claims/{claim['id']}", json={"occurred_to": "2024-10-01T00:00:00Z"}
        )
        assert "occurred_to" in field_errors(problem(r, 422))
        after = (await client.get(f"/v1/claims/{claim['id']}")).json()
        assert after["occurred_to"] is None


class TestDeleteClaim:
    async def test_deleted_then_410(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client, tags=["gone"])
        r = await client.delete(f"/v1/claims/{claim['id']}")
        assert r.status_code == 204
        assert r.content == b""
        assert problem(await client.get(f"/v1/claims/{claim['id']}"), 410)["type"] == (
            "/problems/deleted"
        )
        assert await walk(client, "/v1/claims", tag="gone") == []

    async def test_claim_with_stances_is_409_and_kept(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        await make_stance(client, claim_id=claim["id"])
        body = await kept_as_referenced(client, f"/v1/claims/{claim['id']}")
        assert body["references"] == {"stances": 1}

    @pytest.fixture
    async def related(self, client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
        """A claim and another claim that refines it."""
        target, other = await make_claim(client), await make_claim(client)
        r = await client.post(
            f"/v1/claims/{other['id']}/relations",
            json={"related_claim_id": target["id"], "kind": "refines"},
        )
        assert r.status_code == 201, r.text
        return target, other

    async def test_claim_another_relation_points_at_is_409(
        self, client: httpx.AsyncClient, related: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        target, _ = related
        await kept_as_referenced(client, f"/v1/claims/{target['id']}")

    async def test_own_relations_go_with_the_claim(
        self, client: httpx.AsyncClient, related: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        target, other = related
        assert (await client.delete(f"/v1/claims/{other['id']}")).status_code == 204
        assert await walk(client, f"/v1/claims/{target['id']}/relations") == []
        assert (await client.delete(f"/v1/claims/{target['id']}")).status_code == 204
