"""The claim list is written as JSON straight from its rows (app.http.rendering): each body must be
exactly what its declared response model would produce. So must a claim's detail."""

import httpx
import pytest

from app.claims.answers import ClaimListItem
from app.claims.schemas import ClaimDetail
from app.schemas import Page
from app.vocabulary import StanceSide
from tests.factories import make_actor, make_claim, make_stance
from tests.stances.test_list_bodies import assert_model_output, varied_stances


async def seed_claims(client: httpx.AsyncClient) -> None:
    """A contested claim with tags, subjects and dates; a quiet one without any."""
    subject = await make_actor(client)
    debated = await make_claim(
        client,
        statement="Engineers repaired the northern pipeline in March",
        tags=["energy", "infrastructure"],
        about_actor_ids=[subject["id"]],
        occurred_from="2024-03-01T00:00:00Z",
        occurred_to="2024-03-31T23:59:59.5Z",
    )
    await make_stance(
        client, claim_id=debated["id"], label="confirmed", stated_at="2024-04-01T10:00:00Z"
    )
    await make_stance(client, claim_id=debated["id"], label="denied")
    await make_claim(client, statement="The southern pipeline was never damaged")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/claims", 2),
        ("/v1/claims?contested=true&sort=stances", 1),
        ("/v1/claims?sort=newest&limit=1", 1),
        ("/v1/claims?q=pipeline", 2),
        ("/v1/claims?q=repaired%20pipeline", 1),
    ],
)
async def test_claim_lists_are_their_models_json(
    client: httpx.AsyncClient, path: str, expected: int
) -> None:
    await seed_claims(client)
    r = await client.get(path)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["items"]) == expected
    assert_model_output(body, Page[ClaimListItem])


async def test_a_listed_claim_carries_its_counts_and_links(client: httpx.AsyncClient) -> None:
    await seed_claims(client)
    (item,) = (await client.get("/v1/claims?contested=true")).json()["items"]
    assert item["tags"] == ["energy", "infrastructure"]
    assert len(item["about_actor_ids"]) == 1
    assert item["occurred_to"] == "2024-03-31T23:59:59.500000Z"
    assert item["stats"] == {
        "support": 1,
        "neutral": 0,
        "dispute": 1,
        "total": 2,
        "contested": True,
        "latest_stated_at": "2024-04-01T10:00:00Z",
    }
    assert item["score"] is None
    scored = (await client.get("/v1/claims?q=repaired")).json()["items"][0]
    assert isinstance(scored["score"], float)
    assert scored["score"] > 0


def key_orders(value: object) -> list[object]:
    """Every object's keys, in order, depth first."""
    if isinstance(value, dict):
        return [list(value), *(k for v in value.values() for k in key_orders(v))]
    if isinstance(value, list):
        return [k for v in value for k in key_orders(v)]
    return []


async def test_a_claims_detail_is_its_models_json(client: httpx.AsyncClient) -> None:
    made = await varied_stances(client)  # a probability, a label without one, a retraction
    await seed_claims(client)
    quiet = (await client.get("/v1/claims?q=southern")).json()["items"][0]
    bodies = []
    for claim_id in (made["claim"]["id"], quiet["id"]):
        r = await client.get(f"/v1/claims/{claim_id}")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        assert r.headers["etag"].startswith('"1-')
        body = r.json()
        again = ClaimDetail.model_validate(body).model_dump(mode="json")
        assert again == body
        assert key_orders(again) == key_orders(body)
        bodies.append(body["summary"])
    rich, bare = bodies
    assert rich["by_label"] == {"highly_likely": 1, "reported": 1}
    assert rich["retracted"] == 1
    assert rich["support_probability"] == {"median": 0.9, "low": 0.9, "high": 0.9, "stances": 1}
    assert rich["first_stated_at"] == "2024-03-01T09:30:00.123456Z"
    assert bare["by_side"] == {s: {"stances": 0, "actors": 0} for s in StanceSide}
    assert bare["support_probability"] is None
