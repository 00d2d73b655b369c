"""GET /v1/claims/{id}/provenance: the sources behind each side, their citation chains, and
the number of independent origins."""

import asyncio
import uuid

import httpx

from tests.conftest import problem
from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import Json, cite, stance
from tests.reading import get_ok

Ids = dict[str, uuid.UUID]


async def provenance(client: httpx.AsyncClient, claim: Json) -> Json:
    # A cycle in the citations must end: bound the wait rather than hang the suite.
    body: Json = await asyncio.wait_for(
        get_ok(client, f"/v1/claims/{claim['id']}/provenance"), timeout=20
    )
    return body


def origin_ids(side: Json) -> list[str]:
    return [o["id"] for o in side["origins"]]


def by_source(side: Json) -> dict[str, Json]:
    return {s["source"]["id"]: s for s in side["sources"]}


class TestClaimProvenance:
    async def test_three_republished_copies_of_one_wire_story_are_one_origin(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        wire = await make_source(client, kind="news_article", title="Wire story")
        copies = [await make_source(client, title=f"Copy {i}") for i in range(3)]
        for copy in copies:
            await cite(client, copy, wire, "republishes")
            await stance(client, claim, await make_actor(client), copy, "asserted")
        support = (await provenance(client, claim))["sides"]["support"]
        assert support["stances"] == 3
        assert support["independent_origins"] == 1
        assert origin_ids(support) == [wire["id"]]
        assert support["origins"][0]["title"] == "Wire story"
        sources = by_source(support)
        assert sorted(sources) == sorted(c["id"] for c in copies)
        for copy in copies:
            assert sources[copy["id"]]["origins"] == [wire["id"]]
            assert sources[copy["id"]]["stances"] == 1
            assert sources[copy["id"]]["chain"] == [
                {"source_id": copy["id"], "cited_source_id": wire["id"], "kind": "republishes"}
            ]

    async def test_citation_cycle_ends_and_counts_once(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        a, b, c = [await make_source(client) for _ in range(3)]
        await cite(client, a, b)
        await cite(client, b, a)
        await cite(client, c, a)
        for source in (a, b, c):
            await stance(client, claim, await make_actor(client), source, "asserted")
        support = (await provenance(client, claim))["sides"]["support"]
        loop = min(a["id"], b["id"])  # the loop is one origin, named by its least id
        assert support["independent_origins"] == 1
        assert origin_ids(support) == [loop]
        sources = by_source(support)
        assert {sid: s["origins"] for sid, s in sources.items()} == {
            a["id"]: [loop],
            b["id"]: [loop],
            c["id"]: [loop],
        }
        chain = {(e["source_id"], e["cited_source_id"]) for e in sources[c["id"]]["chain"]}
        assert chain == {(c["id"], a["id"]), (a["id"], b["id"]), (b["id"], a["id"])}

    async def test_longer_cycle_behind_a_chain(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        ring = [await make_source(client) for _ in range(4)]
        for i, source in enumerate(ring):
            await cite(client, source, ring[(i + 1) % len(ring)])
        story = await make_source(client)
        await cite(client, story, ring[2], "quotes")
        await stance(client, claim, await make_actor(client), story, "likely")
        support = (await provenance(client, claim))["sides"]["support"]
        assert origin_ids(support) == [min(s["id"] for s in ring)]
        assert len(by_source(support)[story["id"]]["chain"]) == 5

    async def test_source_citing_nothing_is_its_own_origin(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        await stance(client, claim, await make_actor(client), source, "confirmed")
        await stance(client, claim, await make_actor(client), source, "asserted")
        support = (await provenance(client, claim))["sides"]["support"]
        assert support["stances"] == 2
        assert support["independent_origins"] == 1
        assert origin_ids(support) == [source["id"]]
        listed = by_source(support)[source["id"]]
        assert (listed["stances"], listed["origins"], listed["chain"]) == (2, [source["id"]], [])

    async def test_independent_primaries_count_apart(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        one, two = await make_source(client), await make_source(client)
        both = await make_source(client)
        await cite(client, both, one)
        await cite(client, both, two, "translates")
        await stance(client, claim, await make_actor(client), one, "asserted")
        await stance(client, claim, await make_actor(client), two, "asserted")
        await stance(client, claim, await make_actor(client), both, "asserted")
        support = (await provenance(client, claim))["sides"]["support"]
        assert support["independent_origins"] == 2
        assert origin_ids(support) == sorted([one["id"], two["id"]])
        assert by_source(support)[both["id"]]["origins"] == sorted([one["id"], two["id"]])

    async def test_dispute_side_is_counted_separately(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        wire, statement = await make_source(client), await make_source(client, kind="statement")
        copy_one, copy_two = await make_source(client), await make_source(client)
        await cite(client, copy_one, wire, "republishes")
        await cite(client, copy_two, wire, "republishes")
        await stance(client, claim, await make_actor(client), copy_one, "asserted")
        await stance(client, claim, await make_actor(client), copy_two, "confirmed")
        await stance(client, claim, await make_actor(client), copy_two, "denied")
        await stance(client, claim, await make_actor(client), statement, "denied")
        await stance(client, claim, await make_actor(client), statement, "reported")
        sides = (await provenance(client, claim))["sides"]
        assert (sides["support"]["stances"], sides["support"]["independent_origins"]) == (2, 1)
        assert origin_ids(sides["support"]) == [wire["id"]]
        assert (sides["dispute"]["stances"], sides["dispute"]["independent_origins"]) == (2, 2)
        assert origin_ids(sides["dispute"]) == sorted([wire["id"], statement["id"]])
        assert (sides["neutral"]["stances"], sides["neutral"]["independent_origins"]) == (1, 1)

    async def test_retracted_stances_are_not_evidence(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        await stance(
            client,
            claim,
            await make_actor(client),
            source,
            "asserted",
            "2024-01-01T00:00:00Z",
            retracted_at="2024-02-01T00:00:00Z",
        )
        sides = (await provenance(client, claim))["sides"]
        assert sides["support"] == {
            "stances": 0,
            "independent_origins": 0,
            "origins": [],
            "sources": [],
        }

    async def test_demo_rests_on_one_article(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        body = await provenance(demo_client, {"id": str(demo_ids["nk-personnel-deployed"])})
        assert body["truncated"] is False
        for side, stances in (("support", 5), ("neutral", 1), ("dispute", 2)):
            assert body["sides"][side]["stances"] == stances
            assert body["sides"][side]["independent_origins"] == 1
            assert origin_ids(body["sides"][side]) == [str(demo_ids["article"])]

    async def test_unknown_claim_is_404(self, client: httpx.AsyncClient) -> None:
        problem(await client.get(f"/v1/claims/{uuid.uuid4()}/provenance"), 404)
