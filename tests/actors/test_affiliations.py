"""What only affiliations have: a role and a validity interval, whose start tells apart
affiliations between the same actors (tests/links holds what every kind of link shares)."""

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import field_errors, problem
from tests.factories import make_actor

Record = dict[str, Any]


def _path(actor: dict[str, Any], affiliation: dict[str, Any] | None = None) -> str:
    base = f"/v1/actors/{actor['id']}/affiliations"
    return base if affiliation is None else f"{base}/{affiliation['id']}"


async def _post(
    client: httpx.AsyncClient, actor: dict[str, Any], org: dict[str, Any], **over: Any
) -> httpx.Response:
    body = {"organization_id": org["id"], "kind": "member_of", **over}
    return await client.post(_path(actor), json=body)


async def _affiliate(
    client: httpx.AsyncClient, actor: dict[str, Any], org: dict[str, Any], **over: Any
) -> dict[str, Any]:
    r = await _post(client, actor, org, **over)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def _ids(client: httpx.AsyncClient, actor: dict[str, Any], **params: Any) -> list[str]:
    r = await client.get(_path(actor), params=params)
    assert r.status_code == 200, r.text
    return [a["id"] for a in r.json()["items"]]


@pytest.fixture
async def person(client: httpx.AsyncClient) -> Record:
    """A person, to affiliate with `gov`."""
    return await make_actor(client, kind="person", name="Kim Yong-hyun")


@pytest.fixture
async def gov(client: httpx.AsyncClient, person: Record) -> Record:
    """A government (made after `person`)."""
    return await make_actor(client, kind="government", name="South Korea")


class TestCreateAffiliation:
    async def test_returns_201_and_the_affiliation(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
        aff = await _affiliate(
            client,
            person,
            gov,
            kind="part_of",
            role="Defence Minister",
            valid_from="2024-09-06",
            valid_to="2024-12-05T00:00:00Z",
        )
        assert uuid.UUID(aff["id"])
        assert aff["actor_id"] == person["id"]
        assert aff["organization_id"] == gov["id"]
        assert aff["kind"] == "part_of"
        assert aff["role"] == "Defence Minister"
        assert aff["valid_from"].startswith("2024-09-06T00:00:00")
        assert aff["valid_to"].startswith("2024-12-05T00:00:00")
        assert aff["version"] == 1

    async def test_optional_fields_default_to_null(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
        aff = await _affiliate(client, person, gov)
        assert (aff["role"], aff["valid_from"], aff["valid_to"]) == (None, None, None)

    async def test_valid_to_before_valid_from_is_422(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
        r = await _post(client, person, gov, valid_from="2024-06-01", valid_to="2024-05-31")
        assert "valid_to" in field_errors(problem(r, 422))

    @pytest.mark.parametrize("valid_from", [None, "2024-01-01T00:00:00Z"])
    async def test_duplicate_is_409(
        self,
        client: httpx.AsyncClient,
        person: Record,
        gov: Record,
        valid_from: str | None,
    ) -> None:
        first = await _affiliate(client, person, gov, valid_from=valid_from)
        r = await _post(client, person, gov, valid_from=valid_from)
        assert problem(r, 409)["existing_id"] == first["id"]
        assert await _ids(client, person) == [first["id"]]

    async def test_duplicate_start_in_another_time_zone_is_409(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
        first = await _affiliate(client, person, gov, valid_from="2024-01-01T09:00:00+09:00")
        r = await _post(client, person, gov, valid_from="2024-01-01")
        assert problem(r, 409)["existing_id"] == first["id"]

    async def test_same_pair_with_other_kind_or_start_is_allowed(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
        a = await _affiliate(client, person, gov, kind="member_of")
        b = await _affiliate(client, person, gov, kind="spokesperson_for")
        c = await _affiliate(client, person, gov, kind="member_of", valid_from="2020-01-01")
        assert await _ids(client, person) == [a["id"], b["id"], c["id"]]


class TestUpdateAffiliation:
    async def test_changes_role_and_valid_to(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
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

    async def test_valid_to_before_existing_valid_from_is_422(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
        aff = await _affiliate(client, person, gov, valid_from="2024-09-06")
        r = await client.patch(_path(person, aff), json={"valid_to": "2024-01-01"})
        assert "valid_to" in field_errors(problem(r, 422))
        assert (await client.get(_path(person, aff))).json() == aff

    async def test_valid_from_colliding_with_another_affiliation_is_409(
        self, client: httpx.AsyncClient, person: Record, gov: Record
    ) -> None:
        taken = await _affiliate(client, person, gov, valid_from="2020-01-01T00:00:00Z")
        other = await _affiliate(client, person, gov, valid_from="2022-01-01T00:00:00Z")
        r = await client.patch(_path(person, other), json={"valid_from": "2020-01-01"})
        assert problem(r, 409)["existing_id"] == taken["id"]
        assert (await client.get(_path(person, other))).json() == other
