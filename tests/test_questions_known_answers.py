"""The questions of issue 4 answered exactly, on the worked example and on built data."""

import uuid
from typing import Any

import httpx

from tests.conftest import problem
from tests.factories import make_actor, make_claim, make_source, make_stance
from tests.reading import walk


async def _all(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, two a page, so that the answers also cross pages."""
    return await walk(client, path, limit=2, **params)


class TestDemoAnswers:
    async def test_who_disputes_the_deployment(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        claim = demo["nk-personnel-deployed"]
        rows = await _all(client, f"/v1/claims/{claim}/stances", side="dispute")
        assert {r["actor_id"] for r in rows} == {
            str(demo["kremlin"]),
            str(demo["north-korean-officials"]),
        }
        assert {r["label"] for r in rows} == {"denied"}
        assert all(r["quote"] and r["source"]["title"] and r["actor"]["name"] for r in rows)

    async def test_who_asserts_it(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        claim = demo["nk-personnel-deployed"]
        rows = await _all(client, f"/v1/claims/{claim}/stances", side="support")
        keys = {
            "officials-in-kyiv",
            "officials-in-seoul",
            "ukrainian-intelligence",
            "south-korean-defence-officials",
            "kim-yong-hyun",
        }
        assert {r["actor_id"] for r in rows} == {str(demo[k]) for k in keys}
        kim = next(r for r in rows if r["actor_id"] == str(demo["kim-yong-hyun"]))
        assert kim["label"] == "highly_likely"
        assert "“highly likely”" in kim["quote"]

    async def test_summary(self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]) -> None:
        body = (await client.get(f"/v1/claims/{demo['nk-personnel-deployed']}")).json()
        summary = body["summary"]
        assert summary["contested"] is True
        assert summary["by_side"]["dispute"] == {"stances": 2, "actors": 2}
        assert summary["by_side"]["support"] == {"stances": 5, "actors": 5}
        assert summary["by_label"]["denied"] == 2
        assert summary["support_probability"]["median"] == 0.875

    async def test_south_korean_side_rolls_up(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        claim = demo["nk-personnel-deployed"]
        by_country = (
            await client.get(f"/v1/claims/{claim}/sides", params={"group_by": "country"})
        ).json()
        kr = next(g for g in by_country["sides"]["support"] if g["key"] == "KR")
        assert str(demo["kim-yong-hyun"]) in {a["id"] for a in kr["actors"]}
        by_org = (
            await client.get(f"/v1/claims/{claim}/sides", params={"group_by": "organization"})
        ).json()
        dispute_groups = {g["name"] for g in by_org["sides"]["dispute"]}
        assert len(dispute_groups) == 2
        kim_groups = [
            g
            for g in by_org["sides"]["support"]
            if str(demo["kim-yong-hyun"]) in {a["id"] for a in g["actors"]}
        ]
        assert len(kim_groups) == 1
        assert kim_groups[0]["kind"] == "government"


class TestBuiltAnswers:
    async def test_wire_story_counts_once(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        wire = await make_source(client, title="Wire story")
        for _ in range(3):
            copy = await make_source(client)
            r = await client.post(
                f"/v1/sources/{copy['id']}/citations",
                json={"cited_source_id": wire["id"], "kind": "republishes"},
            )
            assert r.status_code == 201, r.text
            await make_stance(client, claim_id=claim["id"], source_id=copy["id"], label="asserted")
        body = (await client.get(f"/v1/claims/{claim['id']}/provenance")).json()
        support = body["sides"]["support"]
        assert support["stances"] == 3
        assert support["independent_origins"] == 1
        assert [o["id"] for o in support["origins"]] == [wire["id"]]

    async def test_citation_cycle_is_one_origin(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        sources = [await make_source(client) for _ in range(3)]
        a, b, c = sources
        for src, cited in ((a, b), (b, a), (c, a)):
            r = await client.post(
                f"/v1/sources/{src['id']}/citations", json={"cited_source_id": cited["id"]}
            )
            assert r.status_code == 201, r.text
        await make_stance(client, claim_id=claim["id"], source_id=a["id"], label="denied")
        await make_stance(client, claim_id=claim["id"], source_id=c["id"], label="denied")
        body = (await client.get(f"/v1/claims/{claim['id']}/provenance")).json()
        assert body["sides"]["dispute"]["independent_origins"] == 1

    async def test_change_of_position_and_as_of(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        actor = await make_actor(client)
        same = {"claim_id": claim["id"], "actor_id": actor["id"]}
        denied = await make_stance(client, **same, label="denied", stated_at="2024-01-01T00:00:00Z")
        confirmed = await make_stance(
            client, **same, label="confirmed", stated_at="2024-06-01T00:00:00Z"
        )
        timeline = await _all(client, f"/v1/claims/{claim['id']}/timeline")
        assert [t["id"] for t in timeline] == [denied["id"], confirmed["id"]]
        assert timeline[0]["position_changed"] is False
        assert timeline[1]["position_changed"] is True
        assert timeline[1]["previous_label"] == "denied"
        early = await _all(
            client, f"/v1/claims/{claim['id']}/stances", as_of="2024-03-01T00:00:00Z"
        )
        assert [s["id"] for s in early] == [denied["id"]]
        r = await client.patch(
            f"/v1/stances/{denied['id']}", json={"retracted_at": "2024-05-01T00:00:00Z"}
        )
        assert r.status_code == 200, r.text
        still = await _all(
            client, f"/v1/claims/{claim['id']}/stances", as_of="2024-03-01T00:00:00Z"
        )
        assert [s["id"] for s in still] == [denied["id"]]  # retracted only later
        now = await _all(client, f"/v1/claims/{claim['id']}/stances")
        assert [s["id"] for s in now] == [confirmed["id"]]

    async def test_implied_disputers(self, client: httpx.AsyncClient) -> None:
        claim, rival = await make_claim(client), await make_claim(client)
        r = await client.post(
            f"/v1/claims/{rival['id']}/relations",
            json={"related_claim_id": claim["id"], "kind": "contradicts"},
        )
        assert r.status_code == 201, r.text
        backer = await make_stance(client, claim_id=rival["id"], label="confirmed")
        rows = await _all(
            client, f"/v1/claims/{claim['id']}/stances", side="dispute", include="implied"
        )
        assert [(s["id"], s["implied"], s["via_claim_id"]) for s in rows] == [
            (backer["id"], True, rival["id"])
        ]
        assert (
            await _all(
                client, f"/v1/claims/{claim['id']}/stances", side="support", include="implied"
            )
            == []
        )

    async def test_search_and_contested(self, client: httpx.AsyncClient) -> None:
        deployed = await make_claim(client, statement="Troops were deployed to the border")
        other = await make_claim(client, statement="Ships left the harbour")
        await make_stance(client, claim_id=deployed["id"], label="confirmed")
        await make_stance(client, claim_id=deployed["id"], label="denied")
        await make_stance(client, claim_id=other["id"], label="asserted")
        found = await _all(client, "/v1/claims", q="deploy border")
        assert [c["id"] for c in found] == [deployed["id"]]
        assert await _all(client, "/v1/claims", q='"NEAR( -x OR *') is not None
        contested = await _all(client, "/v1/claims", contested="true", sort="stances")
        assert [c["id"] for c in contested] == [deployed["id"]]
        problem(await client.get("/v1/claims", params={"q": "!!!"}), 422)

    async def test_disagreements(self, client: httpx.AsyncClient) -> None:
        a, b = await make_actor(client), await make_actor(client)
        claim = await make_claim(client)
        await make_stance(client, claim_id=claim["id"], actor_id=a["id"], label="confirmed")
        await make_stance(client, claim_id=claim["id"], actor_id=b["id"], label="denied")
        agreed = await make_claim(client)
        await make_stance(client, claim_id=agreed["id"], actor_id=a["id"], label="asserted")
        await make_stance(client, claim_id=agreed["id"], actor_id=b["id"], label="likely")
        rows = await _all(client, f"/v1/actors/{a['id']}/disagreements", with_actor_id=b["id"])
        assert [r["claim"]["id"] for r in rows] == [claim["id"]]
        assert [s["label"] for s in rows[0]["other_stances"]] == ["denied"]

    async def test_pages_stable_while_inserting(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        before = [(await make_stance(client, claim_id=claim["id"]))["id"] for _ in range(7)]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"/v1/claims/{claim['id']}/stances", params=params)).json()
            seen += [s["id"] for s in page["items"]]
            await make_stance(client, claim_id=claim["id"])  # a write between pages
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen))
        assert set(before) <= set(seen)
