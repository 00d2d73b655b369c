"""The summary in GET /v1/claims/{id}: counts by side and label, actors, contested, dates."""

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.factories import make_actor, make_claim, make_source, make_stance


async def summary_of(client: httpx.AsyncClient, claim_id: str) -> dict[str, Any]:
    r = await client.get(f"/v1/claims/{claim_id}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["summary"]
    return data


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def stated(
    client: httpx.AsyncClient, claim: dict[str, Any], label: str, stated_at: str, **over: Any
) -> dict[str, Any]:
    """A stance on `claim` with `label`, stated at `stated_at` (its actor and source new)."""
    return await make_stance(client, claim_id=claim["id"], label=label, stated_at=stated_at, **over)


class TestClaimSummary:
    async def test_counts_actors_contested_and_dates(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        a, b, c = (await make_actor(client), await make_actor(client), await make_actor(client))
        source = await make_source(client)

        async def stance(actor: dict[str, Any], label: str, stated: str, **over: Any) -> None:
            await make_stance(
                client,
                claim_id=claim["id"],
                actor_id=actor["id"],
                source_id=source["id"],
                label=label,
                stated_at=stated,
                **over,
            )

        await stance(a, "confirmed", "2024-01-01T00:00:00Z")
        await stance(a, "asserted", "2024-02-01T00:00:00Z")
        await stance(b, "likely", "2024-03-01T12:00:00Z")
        await stance(b, "reported", "2024-05-01T00:00:00Z")
        await stance(c, "denied", "2024-04-01T00:00:00Z")
        await stance(c, "questioned", "2024-06-01T00:00:00Z", retracted_at="2024-07-01T00:00:00Z")

        s = await summary_of(client, claim["id"])
        assert s["total"] == 5
        assert s["by_side"] == {
            "support": {"stances": 3, "actors": 2},
            "neutral": {"stances": 1, "actors": 1},
            "dispute": {"stances": 1, "actors": 1},
        }
        assert s["by_label"] == {
            "confirmed": 1,
            "asserted": 1,
            "likely": 1,
            "reported": 1,
            "denied": 1,
        }
        assert s["contested"] is True
        assert at(s["first_stated_at"]) == datetime(2024, 1, 1, tzinfo=UTC)
        assert at(s["latest_stated_at"]) == datetime(2024, 5, 1, tzinfo=UTC)
        assert s["retracted"] == 1

    async def test_claim_without_stances(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        s = await summary_of(client, claim["id"])
        assert s["total"] == 0
        assert s["by_side"] == {
            side: {"stances": 0, "actors": 0} for side in ("support", "neutral", "dispute")
        }
        assert s["by_label"] == {}
        assert s["contested"] is False
        assert s["first_stated_at"] is None
        assert s["latest_stated_at"] is None
        assert s["retracted"] == 0

    async def test_only_disputer_retracted_is_not_contested(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        await stated(client, claim, "confirmed", "2024-01-01T00:00:00Z")
        await stated(
            client, claim, "denied", "2024-01-02T00:00:00Z", retracted_at="2024-01-03T00:00:00Z"
        )
        s = await summary_of(client, claim["id"])
        assert s["contested"] is False
        assert s["by_side"]["dispute"] == {"stances": 0, "actors": 0}
        assert s["by_side"]["support"] == {"stances": 1, "actors": 1}
        assert s["retracted"] == 1
        assert s["total"] == 1

    async def test_support_and_neutral_only_is_not_contested(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        await make_stance(client, claim_id=claim["id"], label="asserted")
        await make_stance(client, claim_id=claim["id"], label="possible")
        s = await summary_of(client, claim["id"])
        assert s["contested"] is False
        assert s["by_side"]["neutral"]["stances"] == 1

    async def test_retracting_the_disputer_ends_the_contest(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        await stated(client, claim, "likely", "2024-03-01T00:00:00Z")
        disputer = await stated(client, claim, "unlikely", "2024-03-02T00:00:00Z")
        assert (await summary_of(client, claim["id"]))["contested"] is True
        r = await client.patch(
            f"/v1/stances/{disputer['id']}", json={"retracted_at": "2024-03-05T00:00:00Z"}
        )
        assert r.status_code == 200, r.text
        s = await summary_of(client, claim["id"])
        assert s["contested"] is False
        assert s["retracted"] == 1
        assert "unlikely" not in s["by_label"]

    async def test_one_actor_many_stances_counts_once_per_side(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        actor = await make_actor(client)
        for label in ("confirmed", "highly_likely", "asserted"):
            await make_stance(client, claim_id=claim["id"], actor_id=actor["id"], label=label)
        await make_stance(
            client, claim_id=claim["id"], actor_id=actor["id"], label="highly_unlikely"
        )
        s = await summary_of(client, claim["id"])
        assert s["by_side"]["support"] == {"stances": 3, "actors": 1}
        assert s["by_side"]["dispute"] == {"stances": 1, "actors": 1}
        assert s["contested"] is True
        assert s["total"] == 4

    async def test_other_claims_stances_do_not_count(self, client: httpx.AsyncClient) -> None:
        claim, other = await make_claim(client), await make_claim(client)
        await make_stance(client, claim_id=other["id"], label="denied")
        await make_stance(client, claim_id=claim["id"], label="asserted")
        s = await summary_of(client, claim["id"])
        assert s["total"] == 1
        assert s["by_label"] == {"asserted": 1}
        assert s["contested"] is False
