"""The stance lists are written as JSON straight from their rows (app.http.rendering): each body
must be exactly what the response model the docs declare would produce."""

from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from app.claims.answers import ClaimStanceOut
from app.schemas import Page
from app.stances.schemas import StanceOut
from tests.factories import make_actor, make_claim, make_source, make_stance

TEXT = "The minister said the troops had crossed the border before dawn on Tuesday."


async def varied_stances(client: httpx.AsyncClient) -> dict[str, Any]:
    """One claim, actor and source with stances covering every optional part of a row."""
    claim = await make_claim(client)
    other = await make_claim(client)
    await client.post(
        f"/v1/claims/{claim['id']}/relations",
        json={"related_claim_id": other["id"], "kind": "contradicts"},
    )
    actor = await make_actor(client)
    publisher = await make_actor(client, kind="organization")
    source = await make_source(
        client, publisher_id=publisher["id"], text=TEXT, published_at="2024-03-01T08:00:00Z"
    )
    bare = await make_source(client)
    common = {"claim_id": claim["id"], "actor_id": actor["id"]}
    await make_stance(
        client,
        **common,
        source_id=source["id"],
        label="highly_likely",
        probability=0.9,
        confidence="high",
        quote="the troops had crossed the border",
        stated_at="2024-03-01T09:30:00.123456Z",
    )
    await make_stance(client, **common, source_id=bare["id"], label="reported")
    await make_stance(
        client,
        **common,
        source_id=bare["id"],
        label="denied",
        stated_at="2024-01-01T00:00:00Z",
        retracted_at="2024-02-01T00:00:00Z",
        retraction_source_id=bare["id"],
    )
    await make_stance(client, claim_id=other["id"], actor_id=actor["id"], source_id=bare["id"])
    return {"claim": claim, "actor": actor, "source": source, "bare": bare}


def assert_model_output(body: dict[str, Any], model: type[BaseModel]) -> None:
    """`body` equals the model's own JSON of it: same values, same key order."""
    again = model.model_validate(body).model_dump(mode="json")
    assert again == body
    assert [list(item) for item in again["items"]] == [list(item) for item in body["items"]]


@pytest.mark.parametrize(
    ("path", "model", "expected"),
    [
        ("/v1/claims/{claim}/stances?include_retracted=true", Page[ClaimStanceOut], 3),
        ("/v1/claims/{claim}/stances?include=implied", Page[ClaimStanceOut], 3),
        ("/v1/claims/{claim}/stances?side=support&limit=1", Page[ClaimStanceOut], 1),
        ("/v1/actors/{actor}/stances?include_retracted=true", Page[StanceOut], 4),
        ("/v1/sources/{source}/stances", Page[StanceOut], 1),
        ("/v1/sources/{bare}/stances", Page[StanceOut], 3),
        ("/v1/stances?actor_id={actor}", Page[StanceOut], 4),
    ],
)
async def test_stance_lists_are_their_models_json(
    client: httpx.AsyncClient, path: str, model: type[BaseModel], expected: int
) -> None:
    made = await varied_stances(client)
    r = await client.get(path.format(**{name: record["id"] for name, record in made.items()}))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert len(body["items"]) == expected
    assert_model_output(body, model)


async def test_every_optional_part_is_written(client: httpx.AsyncClient) -> None:
    made = await varied_stances(client)
    r = await client.get(f"/v1/claims/{made['claim']['id']}/stances?include_retracted=true")
    by_label = {item["label"]: item for item in r.json()["items"]}
    rich = by_label["highly_likely"]
    assert rich["band"] == {"low": 0.8, "high": 0.95}
    assert rich["probability"] == 0.9
    assert rich["confidence"] == "high"
    assert rich["quote_span"]["start"] == TEXT.index("the troops")
    assert rich["stated_at"] == "2024-03-01T09:30:00.123456Z"
    assert rich["source"]["publisher"]["id"] == made["source"]["publisher_id"]
    assert rich["source"]["published_at"] == "2024-03-01T08:00:00Z"
    assert rich["implied"] is False
    assert rich["via_claim_id"] is None
    assert by_label["reported"]["band"] is None
    assert by_label["reported"]["source"]["publisher"] is None
    assert by_label["denied"]["retracted_at"] == "2024-02-01T00:00:00Z"


async def test_the_next_page_link_and_cursor_survive(client: httpx.AsyncClient) -> None:
    made = await varied_stances(client)
    r = await client.get(f"/v1/actors/{made['actor']['id']}/stances?limit=2")
    cursor = r.json()["next_cursor"]
    assert cursor
    assert f"cursor={cursor}" in r.headers["link"]
    rest = await client.get(f"/v1/actors/{made['actor']['id']}/stances?limit=2&cursor={cursor}")
    assert len(rest.json()["items"]) == 1  # three current stances: two, then one
    assert rest.json()["next_cursor"] is None
