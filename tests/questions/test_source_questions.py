"""The questions asked of a source: everything it records (/stances) and what it cites or is
cited by (/citations, both directions)."""

import uuid

import httpx

from tests.conftest import problem
from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import cite, ids, stance
from tests.reading import walk

Ids = dict[str, uuid.UUID]


class TestSourceStances:
    async def test_everything_the_source_records(self, client: httpx.AsyncClient) -> None:
        source, other = await make_source(client), await make_source(client)
        claim, actor = await make_claim(client), await make_actor(client)
        made = [
            await stance(client, claim, actor, source, "asserted"),
            await stance(client, await make_claim(client), actor, source, "denied"),
            await stance(
                client,
                claim,
                await make_actor(client),
                source,
                "likely",
                "2024-01-01T00:00:00Z",
                retracted_at="2024-02-01T00:00:00Z",
            ),
        ]
        await stance(client, claim, actor, other, "confirmed")
        items = await walk(client, f"/v1/sources/{source['id']}/stances", limit=2)
        assert ids(items) == [m["id"] for m in made]
        assert items[2]["retracted_at"] == "2024-02-01T00:00:00Z"
        assert {i["source"]["id"] for i in items} == {source["id"]}
        assert items[0]["claim"]["id"] == claim["id"]
        assert items[0]["actor"]["id"] == actor["id"]

    async def test_demo_article_records_every_stance(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(demo_client, f"/v1/sources/{demo_ids['article']}/stances", limit=10)
        assert len(items) == 44
        assert all(i["quote"] and i["quote_span"] for i in items)

    async def test_unknown_source_is_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"/v1/sources/{uuid.uuid4()}/stances")
        assert problem(r, 404)["type"] == "/problems/unknown-source"


class TestSourceCitations:
    async def test_both_directions(self, client: httpx.AsyncClient) -> None:
        story, wire, statement, copy = [await make_source(client) for _ in range(4)]
        cites_wire = await cite(client, story, wire, "quotes")
        wire_cites = await cite(client, wire, statement)
        copied = await cite(client, copy, wire, "republishes")
        path = f"/v1/sources/{wire['id']}/citations"
        assert ids(await walk(client, path, direction="outgoing")) == [wire_cites["id"]]
        assert sorted(ids(await walk(client, path, direction="incoming"))) == sorted(
            [cites_wire["id"], copied["id"]]
        )
        both = await walk(client, path, limit=1)
        assert sorted(ids(both)) == sorted([cites_wire["id"], wire_cites["id"], copied["id"]])
        assert {(c["source_id"], c["cited_source_id"], c["kind"]) for c in both} == {
            (story["id"], wire["id"], "quotes"),
            (wire["id"], statement["id"], "cites"),
            (copy["id"], wire["id"], "republishes"),
        }

    async def test_unknown_source_is_404(self, client: httpx.AsyncClient) -> None:
        problem(await client.get(f"/v1/sources/{uuid.uuid4()}/citations"), 404)
