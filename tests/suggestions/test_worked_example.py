"""The worked example is the gold standard: its 44 stances were entered by hand from the
article. Suggestions for the article's stored text must find most of them, and little else."""

import uuid
from typing import Any

import httpx
import orjson

from app.demo.loader import demo_lines
from app.vocabulary import side_of
from tests.suggestions.gold import pairs, precision_recall, triples


def _gold() -> set[tuple[str, str, str]]:
    records = [orjson.loads(line) for line in demo_lines()]
    return {
        (r["actor"], r["claim"], side_of(r["label"]).value)
        for r in records
        if r["type"] == "stance"
    }


async def _suggest(client: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    r = await client.post("/v1/suggestions", json=body)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


class TestWorkedExampleQuality:
    async def test_actor_side_and_actor_claim_side_meet_the_bars(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        items = await _suggest(client, {"source_id": str(demo["article"])})
        key_of = {str(v): k for k, v in demo.items()}
        found, gold = triples(items, key_of), _gold()
        pair_p, pair_r = precision_recall(pairs(found), pairs(gold))
        triple_p, triple_r = precision_recall(found, gold)
        print(f"worked example: (actor, side) P={pair_p:.2f} R={pair_r:.2f}; ", end="")
        print(f"(actor, claim, side) P={triple_p:.2f} R={triple_r:.2f}")
        assert pair_r >= 0.8, (pair_r, sorted(pairs(gold) - pairs(found)))
        assert pair_p >= 0.7, (pair_p, sorted(pairs(found) - pairs(gold)))
        assert triple_r >= 0.7, (triple_r, sorted(gold - found))
        assert triple_p >= 0.7, (triple_p, sorted(found - gold))
