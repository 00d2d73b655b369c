"""Affiliations: /v1/actors/{id}/affiliations create, list, get, update, delete."""

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import field_errors, problem
from tests.factories import make_actor


def _path(actor: dict[str, Any], affiliation: dict[str, Any] | None = None) -> str:
    base = f"/v1/actors/{actor['id']}/affiliations"
    return base if affiliation is None else f"{base}/{affiliation['id']}"


async def _affiliate(
    client: httpx.AsyncClient, actor: dict[str, Any], org: dict[str, Any], **over: Any
) -> dict[str, Any]:
    body = {"organization_id": org["id"], "kind": "member_of", **over}
    r = await client.post(_path(actor), json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def _ids(client: httpx.AsyncClient, actor: dict[str, Any], **params: Any) -> list[str]:
    r = await client.get(_path(actor), params=params)
    assert r.status_code == 200, r.text
    return [a["id"] for a in r.json()["items"]]


@pytest.fixture
async def pair(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A person and a government."""
    person = await make_actor(client, kind="person", name="Kim Yong-hyun")
    government = await make_actor(client, kind="government", name="South Korea")
    return person, government


class TestCreateAffiliation:
    async def test_returns_201_and_the_affiliation(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        r = await client.post(
            _path(person),
            json={
                "organization_id": gov["id"],
                "kind": "part_of",
                "role": "Defence Minister",
                "valid_from": "2024-09-06",
                "valid_to": "2024-12-05T00:00:00Z",
            },
        )
        assert r.status_code == 201, r.text
        aff = r.json()
        assert uuid.UUID(aff["id"])
        assert aff["actor_id"] == person["id"]
        assert aff["organization_id"] == gov["id"]
        assert aff["kind"] == "part_of"
        assert aff["role"] == "Defence Minister"
        assert aff["valid_from"].startswith("2024-09-06T00:00:00")
        assert aff["valid_to"].startswith("2024-12-05T00:00:00")
        assert aff["version"] == 1

    async def test_optional_fields_default_to_null(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        assert (aff["role"], aff["valid_from"], aff["valid_to"]) == (None, None, None)

    async def test_self_affiliation_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, _ = pair
        r = await client.post(
            _path(person), json={"organization_id": person["id"], "kind": "member_of"}
        )
        assert "organization_id" in field_errors(problem(r, 422))
        assert await _ids(client, person) == []

    async def test_unknown_organization_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, _ = pair
        r = await client.post(
            _path(person), json={"organization_id": str(uuid.uuid4()), "kind": "member_of"}
        )
        body = problem(r, 422)
        assert body["type"] == "/problems/unknown-reference"
        assert field_errors(body) == {"organization_id"}

    async def test_unknown_actor_in_path_is_404(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        _, gov = pair
        r = await client.post(
            f"/v1/actors/{uuid.uuid4()}/affiliations",
            json={"organization_id": gov["id"], "kind": "member_of"},
        )
        assert problem(r, 404)["type"] == "/problems/unknown-actor"

    async def test_valid_to_before_valid_from_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        r = await client.post(
            _path(person),
            json={
                "organization_id": gov["id"],
                "kind": "member_of",
                "valid_from": "2024-06-01",
                "valid_to": "2024-05-31",
            },
        )
        assert "valid_to" in field_errors(problem(r, 422))

    async def test_invalid_kind_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        r = await client.post(
            _path(person), json={"organization_id": gov["id"], "kind": "friend_of"}
        )
        assert "kind" in field_errors(problem(r, 422))

    async def test_unknown_field_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        r = await client.post(
            _path(person),
            json={
                "organization_id": gov["id"],
                "kind": "member_of",
                "actor_id": gov["id"],
            },
        )
        assert "actor_id" in field_errors(problem(r, 422))

    @pytest.mark.parametrize("valid_from", [None, "2024-01-01T00:00:00Z"])
    async def test_duplicate_is_409(
        self,
        client: httpx.AsyncClient,
        pair: tuple[dict[str, Any], dict[str, Any]],
        valid_from: str | None,
    ) -> None:
        person, gov = pair
        first = await _affiliate(client, person, gov, valid_from=valid_from)
        r = await client.post(
            _path(person),
            json={
                "organization_id": gov["id"],
                "kind": "member_of",
                "valid_from": valid_from,
            },
        )
        assert problem(r, 409)["existing_id"] == first["id"]
        assert await _ids(client, person) == [first["id"]]

    async def test_duplicate_start_in_another_time_zone_is_409(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        first = await _affiliate(client, person, gov, valid_from="2024-01-01T09:00:00+09:00")
        r = await client.post(
            _path(person),
            json={
                "organization_id": gov["id"],
                "kind": "member_of",
                "valid_from": "2024-01-01",
            },
        )
        assert problem(r, 409)["existing_id"] == first["id"]

    async def test_same_pair_with_other_kind_or_start_is_allowed(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        a = await _affiliate(client, person, gov, kind="member_of")
        b = await _affiliate(client, person, gov, kind="spokesperson_for")
        c = await _affiliate(client, person, gov, kind="member_of", valid_from="2020-01-01")
        assert await _ids(client, person) == [a["id"], b["id"], c["id"]]


class TestListAffiliations:
    async def test_outgoing_and_incoming(self, client: httpx.AsyncClient) -> None:
        minister = await make_actor(client, name="Minister")
        spokes = await make_actor(client, name="Spokesperson")
        gov = await make_actor(client, kind="government", name="Government")
        alliance = await make_actor(client, kind="organization", name="Alliance")
        m_gov = await _affiliate(client, minister, gov)
        s_gov = await _affiliate(client, spokes, gov, kind="spokesperson_for")
        gov_all = await _affiliate(client, gov, alliance, kind="part_of")

        assert await _ids(client, gov) == [m_gov["id"], s_gov["id"], gov_all["id"]]
        assert await _ids(client, gov, direction="outgoing") == [gov_all["id"]]
        assert await _ids(client, gov, direction="incoming") == [m_gov["id"], s_gov["id"]]
        assert await _ids(client, minister, direction="incoming") == []
        assert await _ids(client, alliance, direction="incoming") == [gov_all["id"]]

    async def test_invalid_direction_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, _ = pair
        r = await client.get(_path(person), params={"direction": "sideways"})
        assert "direction" in field_errors(problem(r, 422))

    async def test_unknown_actor_is_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"/v1/actors/{uuid.uuid4()}/affiliations")
        assert problem(r, 404)["type"] == "/problems/unknown-actor"

    async def test_paginates(self, client: httpx.AsyncClient) -> None:
        person = await make_actor(client)
        orgs = [await make_actor(client, kind="organization") for _ in range(3)]
        created = [(await _affiliate(client, person, org))["id"] for org in orgs]
        r = await client.get(_path(person), params={"limit": 2})
        first = r.json()
        assert [a["id"] for a in first["items"]] == created[:2]
        assert first["next_cursor"] is not None
        assert 'rel="next"' in r.headers["link"]
        r = await client.get(_path(person), params={"limit": 2, "cursor": first["next_cursor"]})
        assert [a["id"] for a in r.json()["items"]] == created[2:]
        assert r.json()["next_cursor"] is None


class TestGetAffiliation:
    async def test_returns_the_affiliation(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov, role="Minister")
        r = await client.get(_path(person, aff))
        assert r.status_code == 200, r.text
        assert r.json() == aff

    async def test_under_another_actors_path_is_404(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        # read under the organization it points at too (its incoming list shows it) ...
        r = await client.get(_path(gov, aff))
        assert r.status_code == 200, r.text
        assert r.json() == aff
        # ... but not under anyone else
        stranger = await make_actor(client)
        r = await client.get(_path(stranger, aff))
        assert problem(r, 404)["type"] == "/problems/unknown-affiliation"

    async def test_unknown_affiliation_is_404(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, _ = pair
        r = await client.get(f"{_path(person)}/{uuid.uuid4()}")
        assert problem(r, 404)["type"] == "/problems/unknown-affiliation"


class TestUpdateAffiliation:
    async def test_changes_role_and_valid_to(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov, kind="part_of", valid_from="2024-09-06")
        r = await client.patch(
            _path(person, aff), json={"role": "Defence Minister", "valid_to": "2024-12-05"}
        )
        assert r.status_code == 200, r.text
        after = r.json()
        assert after["role"] == "Defence Minister"
        assert after["valid_to"].startswith("2024-12-05")
        assert after["valid_from"] == aff["valid_from"]
        assert after["kind"] == "part_of"
        assert after["version"] == aff["version"] + 1
        assert (await client.get(_path(person, aff))).json() == after

    async def test_changes_kind(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        r = await client.patch(_path(person, aff), json={"kind": "leads"})
        assert r.status_code == 200, r.text
        assert r.json()["kind"] == "leads"

    async def test_valid_to_before_existing_valid_from_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov, valid_from="2024-09-06")
        r = await client.patch(_path(person, aff), json={"valid_to": "2024-01-01"})
        assert "valid_to" in field_errors(problem(r, 422))
        assert (await client.get(_path(person, aff))).json() == aff

    async def test_null_kind_is_422(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        r = await client.patch(_path(person, aff), json={"kind": None})
        assert "kind" in field_errors(problem(r, 422))

    async def test_organization_cannot_be_changed(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        other = await make_actor(client, kind="organization")
        r = await client.patch(_path(person, aff), json={"organization_id": other["id"]})
        assert "organization_id" in field_errors(problem(r, 422))

    async def test_kind_colliding_with_another_affiliation_is_409(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        taken = await _affiliate(client, person, gov, kind="member_of")
        other = await _affiliate(client, person, gov, kind="leads")
        r = await client.patch(_path(person, other), json={"kind": "member_of"})
        assert problem(r, 409)["existing_id"] == taken["id"]
        assert (await client.get(_path(person, other))).json()["kind"] == "leads"

    async def test_valid_from_colliding_with_another_affiliation_is_409(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        taken = await _affiliate(client, person, gov, valid_from="2020-01-01T00:00:00Z")
        other = await _affiliate(client, person, gov, valid_from="2022-01-01T00:00:00Z")
        r = await client.patch(_path(person, other), json={"valid_from": "2020-01-01"})
        assert problem(r, 409)["existing_id"] == taken["id"]
        assert (await client.get(_path(person, other))).json() == other

    async def test_unchanged_patch_does_not_collide_with_itself(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        r = await client.patch(_path(person, aff), json={"kind": "member_of"})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1  # nothing changed: no new version

    async def test_under_another_actors_path_is_404(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        r = await client.patch(_path(gov, aff), json={"role": "Hijacked"})
        assert problem(r, 404)["type"] == "/problems/unknown-affiliation"
        assert (await client.get(_path(person, aff))).json()["role"] is None


class TestDeleteAffiliation:
    async def test_deletes_then_410(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        r = await client.delete(_path(person, aff))
        assert r.status_code == 204, r.text
        assert problem(await client.get(_path(person, aff)), 410)["type"] == "/problems/deleted"
        assert await _ids(client, person) == []
        # both actors remain
        assert (await client.get(f"/v1/actors/{gov['id']}")).status_code == 200

    async def test_under_another_actors_path_is_404(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        r = await client.delete(_path(gov, aff))
        assert problem(r, 404)["type"] == "/problems/unknown-affiliation"
        assert (await client.get(_path(person, aff))).status_code == 200

    async def test_deleting_an_organization_with_members_is_409(
        self, client: httpx.AsyncClient, pair: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        person, gov = pair
        aff = await _affiliate(client, person, gov)
        r = await client.delete(f"/v1/actors/{gov['id']}")
        body = problem(r, 409)
        assert body["type"] == "/problems/still-referenced"
        assert (await client.get(f"/v1/actors/{gov['id']}")).status_code == 200
        assert (await client.get(_path(person, aff))).status_code == 200
