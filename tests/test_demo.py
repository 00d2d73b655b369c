"""The worked example, loaded: the questions the issue's "Done means" asks of it."""

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engines import create_sessionmaker
from app.demo.loader import Loader, demo_lines
from tests.reading import walk

Ids = dict[str, uuid.UUID]

SUPPORTERS = [
    "officials-in-kyiv",
    "officials-in-seoul",
    "ukrainian-intelligence",
    "south-korean-defence-officials",
    "kim-yong-hyun",
]


async def on_side(client: httpx.AsyncClient, demo: Ids, side: str) -> dict[str, dict[str, Any]]:
    """The stances on the headline claim on one side, by actor id."""
    items = await walk(
        client, "/v1/stances", claim_id=str(demo["nk-personnel-deployed"]), side=side
    )
    by_actor = {item["actor_id"]: item for item in items}
    assert len(by_actor) == len(items)
    return by_actor


class TestWorkedExample:
    async def test_disputers_are_the_kremlin_and_north_korean_officials(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        disputers = await on_side(client, demo, "dispute")
        assert set(disputers) == {str(demo["kremlin"]), str(demo["north-korean-officials"])}
        assert {s["actor"]["name"] for s in disputers.values()} == {
            "Kremlin",
            "North Korean officials",
        }
        assert all(s["label"] == "denied" for s in disputers.values())
        assert all(s["side"] == "dispute" for s in disputers.values())

    async def test_supporters_include_officials_and_the_minister(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        supporters = await on_side(client, demo, "support")
        assert {str(demo[key]) for key in SUPPORTERS} <= set(supporters)
        kim = supporters[str(demo["kim-yong-hyun"])]
        assert kim["actor"]["name"] == "Kim Yong-hyun"
        assert kim["label"] == "highly_likely"
        assert "\u201chighly likely\u201d" in kim["quote"]
        assert not {str(demo["kremlin"]), str(demo["north-korean-officials"])} & set(supporters)

    async def test_the_article_itself_only_reports(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        neutral = await on_side(client, demo, "neutral")
        publisher = neutral[str(demo["article-publisher"])]
        assert publisher["label"] == "reported"
        assert publisher["source_id"] == str(demo["article"])

    async def test_headline_claim_is_contested(self, client: httpx.AsyncClient, demo: Ids) -> None:
        r = await client.get(f"/v1/claims/{demo['nk-personnel-deployed']}")
        assert r.status_code == 200
        summary = r.json()["summary"]
        assert summary["contested"] is True
        assert summary["by_side"]["dispute"] == {"stances": 2, "actors": 2}
        assert summary["by_side"]["support"]["actors"] >= 5
        assert summary["by_label"]["denied"] == 2
        assert summary["by_label"]["highly_likely"] == 1

    async def test_every_quote_is_anchored_in_the_article(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        r = await client.get(f"/v1/sources/{demo['article']}/text")
        assert r.status_code == 200
        text = r.text
        stances = await walk(client, "/v1/stances")
        quoted = [s for s in stances if s["quote"] is not None]
        assert len(quoted) >= 40
        for stance in quoted:
            span = stance["quote_span"]
            assert span is not None, stance["id"]
            assert stance["source_id"] == str(demo["article"])
            assert text[span["start"] : span["end"]] == stance["quote"], stance["id"]
            assert text[: span["start"]].endswith(span["prefix"])
            assert text[span["end"] :].startswith(span["suffix"])

    async def test_has_at_least_ten_claims(self, client: httpx.AsyncClient, demo: Ids) -> None:
        claims = await walk(client, "/v1/claims")
        assert len(claims) >= 10
        assert str(demo["nk-personnel-deployed"]) in {c["id"] for c in claims}

    async def test_loading_twice_creates_nothing(
        self, client: httpx.AsyncClient, demo: Ids, engine: AsyncEngine
    ) -> None:
        before = {
            path: {item["id"] for item in await walk(client, path)}
            for path in ("/v1/actors", "/v1/claims", "/v1/stances")
        }
        async with create_sessionmaker(engine)() as session:
            loader = Loader(session, by="demo")
            counts = await loader.load(demo_lines())
            await session.commit()
        assert not [kind for kind in counts if kind.endswith("created")]
        assert loader.ids == demo
        after = {
            path: {item["id"] for item in await walk(client, path)}
            for path in ("/v1/actors", "/v1/claims", "/v1/stances")
        }
        assert after == before
        assert all(before.values())
