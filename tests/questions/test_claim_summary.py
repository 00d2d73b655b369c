"""GET /v1/claims/{id}: the summary of where the record stands on a claim."""

import uuid

import httpx

from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import stance
from tests.reading import get_ok

Ids = dict[str, uuid.UUID]


class TestClaimSummary:
    async def test_demo_deployment_claim_summary(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        claim = await get_ok(demo_client, f"/v1/claims/{demo_ids['nk-personnel-deployed']}")
        assert claim["statement"] == (
            "North Korean military personnel are deployed with Russian forces in Ukraine"
        )
        assert claim["summary"] == {
            "total": 8,
            "by_side": {
                "support": {"stances": 5, "actors": 5},
                "neutral": {"stances": 1, "actors": 1},
                "dispute": {"stances": 2, "actors": 2},
            },
            "by_label": {"asserted": 4, "highly_likely": 1, "reported": 1, "denied": 2},
            "contested": True,
            "first_stated_at": "2024-10-08T00:00:00Z",
            "latest_stated_at": "2024-10-10T00:00:00Z",
            "retracted": 0,
            # Kim Yong-hyun's "highly likely" (band 0.80-0.95, midpoint 0.875) is the only
            # supporting stance with a probability; `asserted` has no band.
            "support_probability": {"median": 0.875, "low": 0.875, "high": 0.875, "stances": 1},
        }

    async def test_demo_uncontested_claim(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        claim = await get_ok(demo_client, f"/v1/claims/{demo_ids['nk-supported-syria']}")
        summary = claim["summary"]
        assert summary["contested"] is False
        assert summary["total"] == 1
        assert summary["by_label"] == {"asserted": 1}
        assert summary["support_probability"] is None

    async def test_probability_median_of_explicit_and_band_midpoints(
        self, client: httpx.AsyncClient
    ) -> None:
        claim, source = await make_claim(client), await make_source(client)
        for label, probability in (
            ("confirmed", None),  # 0.975
            ("likely", 0.6),
            ("likely", None),  # 0.675
            ("asserted", None),  # no band: left out
            ("denied", None),  # dispute side: left out
        ):
            await stance(
                client, claim, await make_actor(client), source, label, probability=probability
            )
        summary = (await get_ok(client, f"/v1/claims/{claim['id']}"))["summary"]
        assert summary["support_probability"] == {
            "median": 0.675,
            "low": 0.6,
            "high": 0.975,
            "stances": 3,
        }

    async def test_probability_median_of_an_even_count_is_the_mean_of_the_middle_two(
        self, client: httpx.AsyncClient
    ) -> None:
        claim, source = await make_claim(client), await make_source(client)
        for probability in (0.6, 0.7, 0.9, 0.99):
            label = "likely" if probability < 0.8 else "highly_likely"
            if probability > 0.95:
                label = "confirmed"
            await stance(
                client, claim, await make_actor(client), source, label, probability=probability
            )
        summary = (await get_ok(client, f"/v1/claims/{claim['id']}"))["summary"]
        assert summary["support_probability"]["median"] == 0.8
        assert summary["support_probability"]["stances"] == 4

    async def test_distinct_actors_per_side(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        actor = await make_actor(client)
        await stance(client, claim, actor, source, "asserted", "2024-01-01T00:00:00Z")
        await stance(client, claim, actor, source, "confirmed", "2024-02-01T00:00:00Z")
        await stance(client, claim, actor, source, "denied", "2024-03-01T00:00:00Z")
        summary = (await get_ok(client, f"/v1/claims/{claim['id']}"))["summary"]
        assert summary["by_side"]["support"] == {"stances": 2, "actors": 1}
        assert summary["by_side"]["dispute"] == {"stances": 1, "actors": 1}
        assert summary["contested"] is True
