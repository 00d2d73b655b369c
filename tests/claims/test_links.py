"""A claim's tags and subjects as the lists read them: on PostgreSQL from `claim_links`, two
arrays per claim kept by triggers on `claim_tags` and `claim_subjects` (migration 0008)."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import import_records, make_actor, make_claim, make_stance
from tests.questions.helpers import link_lists


async def test_the_link_arrays_follow_every_write(
    client: httpx.AsyncClient, backend: str, engine: AsyncEngine
) -> None:
    """After creates, edits, a delete and an import (a new claim and a changed one),
    `claim_links` holds exactly each claim's tags by name and subjects by position."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: SQLite reads the links with one more statement")
    first, second, third = [await make_actor(client) for _ in range(3)]
    tagged = await make_claim(client, tags=["pipeline", "energy"])
    about = await make_claim(client, about_actor_ids=[second["id"], first["id"]])
    both = await make_claim(client, tags=["x"], about_actor_ids=[third["id"]])
    gone = await make_claim(client, tags=["y"], about_actor_ids=[first["id"]])
    bare = await make_claim(client)
    r = await client.patch(f"/v1/claims/{both['id']}", json={"about_actor_ids": []})
    assert r.status_code == 200, r.text
    r = await client.patch(f"/v1/claims/{tagged['id']}", json={"tags": ["energy", "grid"]})
    assert r.status_code == 200, r.text
    assert (await client.delete(f"/v1/claims/{gone['id']}")).status_code == 204
    records = [
        {"type": "claim", "key": "new", "statement": "Kestrels nest in the tower", "tags": ["b"]},
        {"type": "claim", "key": "old", "statement": bare["statement"], "tags": ["a", "c"]},
    ]
    await import_records(client, records)
    held, wanted = await link_lists(engine)
    assert held == wanted
    by_claim = {str(claim_id): (tags, subjects) for claim_id, tags, subjects in held}
    assert by_claim[tagged["id"]] == (["energy", "grid"], None)
    assert [str(a) for a in by_claim[about["id"]][1] or []] == [second["id"], first["id"]]
    assert by_claim[both["id"]] == (["x"], None)
    assert by_claim[bare["id"]] == (["a", "c"], None)
    assert gone["id"] not in by_claim
    assert len(by_claim) == 5  # and the imported claim


async def test_every_claim_read_carries_its_links(client: httpx.AsyncClient) -> None:
    """The lists (by stances, by a word, by filters and words) and the claim itself give the
    same tags and subjects, and empty lists for a claim with neither."""
    first, second = await make_actor(client), await make_actor(client)
    linked = await make_claim(
        client,
        statement="Ravens guard the northern tower",
        tags=["towers", "birds"],
        about_actor_ids=[second["id"], first["id"]],
    )
    plain = await make_claim(client, statement="Ravens left the southern tower")
    for claim in (linked, plain):
        await make_stance(client, claim_id=claim["id"], label="confirmed")
        await make_stance(client, claim_id=claim["id"], label="denied")
    expected = {
        linked["id"]: (["birds", "towers"], [second["id"], first["id"]]),
        plain["id"]: ([], []),
    }
    for params in (
        {"contested": "true", "sort": "stances"},
        {"q": "ravens"},
        {"q": "ravens tower", "contested": "true"},
        {"sort": "newest"},
    ):
        r = await client.get("/v1/claims", params=params)
        assert r.status_code == 200, r.text
        got = {c["id"]: (c["tags"], c["about_actor_ids"]) for c in r.json()["items"]}
        assert got == expected, params
    for claim_id, (tags, subjects) in expected.items():
        body = (await client.get(f"/v1/claims/{claim_id}")).json()
        assert (body["tags"], body["about_actor_ids"]) == (tags, subjects)
