"""Every error is an RFC 9457 problem; bad input never reaches the database as a 500."""

import httpx
import pytest

from tests.conftest import field_errors, problem


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    problem(await client.get("/v1/nothing-here"), 404)


async def test_wrong_method_is_a_problem(client: httpx.AsyncClient) -> None:
    problem(await client.put("/v1/actors"), 405)


async def test_malformed_json_names_the_body(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/actors", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = problem(r, 422)
    assert body["errors"][0]["location"] == "body"


async def test_missing_fields_are_all_named(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/v1/stances", json={}), 422)
    assert {"claim_id", "actor_id", "source_id", "label"} <= field_errors(body)


async def test_nul_in_body_is_refused(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/v1/actors", json={"kind": "person", "name": "a\x00b"}), 422)
    assert field_errors(body) == {"name"}
    listed = await client.get("/v1/actors")
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/v1/actors?name_prefix=a%00b", {"name_prefix"}),
        ("/v1/claims?limit=5&tag=x%00&tag=y", {"tag"}),
        ("/v1/claims?q%00=x", {"q\\0"}),
    ],
)
async def test_nul_in_query_is_refused(
    client: httpx.AsyncClient, path: str, fields: set[str]
) -> None:
    assert field_errors(problem(await client.get(path), 422)) == fields


async def test_problem_instance_is_the_path(client: httpx.AsyncClient) -> None:
    path = "/v1/claims/00000000-0000-7000-8000-000000000000"
    body = problem(await client.get(path), 404)
    assert body["instance"] == path
    assert body["type"] == "/problems/unknown-claim"


async def test_path_id_must_be_a_uuid(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/v1/stances/not-a-uuid"), 422)
    assert field_errors(body) == {"stance_id"}
