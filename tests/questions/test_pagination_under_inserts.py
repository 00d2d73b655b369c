"""Keyset pages stay stable while rows are inserted between page fetches: every row that
existed when the walk began appears exactly once."""

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.factories import make_actor, make_claim, make_source
from tests.questions.helpers import Json, stance
from tests.reading import get_ok

Insert = Callable[[], Awaitable[Any]]


async def walk_while_inserting(
    client: httpx.AsyncClient, path: str, insert: Insert, *, limit: int = 3, **params: Any
) -> list[str]:
    """Every id listed at `path`, page by page, calling `insert` twice between each of the
    first pages (then the walk runs on to the end)."""
    seen: list[str] = []
    cursor: str | None = None
    for page in range(200):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        body = await get_ok(client, path, **query)
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        if page < 3:
            await insert()
            await insert()
    raise AssertionError("pagination did not end")


_words = itertools.count(1)


def words() -> str:
    """A quote of its own for each stance: the same stance twice would be refused."""
    return f"Words number {next(_words)}"


async def worded(client: httpx.AsyncClient, *args: Any) -> Json:
    """`stance(client, *args)` with a quote of its own (see `words`)."""
    return await stance(client, *args, quote=words())


def exactly_once(seen: list[str], existing: list[str]) -> None:
    assert [i for i in seen if seen.count(i) > 1] == [], "a row repeats"
    assert [i for i in existing if i not in seen] == [], "a row is skipped"


class TestPaginationUnderInserts:
    async def test_claim_stances(self, client: httpx.AsyncClient) -> None:
        claim, source = await make_claim(client), await make_source(client)
        actor = await make_actor(client)
        existing = [
            (await worded(client, claim, actor, source, label))["id"]
            for label in ["asserted", "denied", "reported"] * 4
        ]

        async def insert() -> None:
            await worded(client, claim, actor, source, "denied")

        seen = await walk_while_inserting(client, f"/v1/claims/{claim['id']}/stances", insert)
        exactly_once(seen, existing)
        seen = await walk_while_inserting(
            client, f"/v1/claims/{claim['id']}/stances", insert, side="dispute"
        )
        exactly_once(seen, existing[1::3])

    async def test_claim_timeline_with_earlier_and_later_inserts(
        self, client: httpx.AsyncClient
    ) -> None:
        claim, source = await make_claim(client), await make_source(client)
        actor = await make_actor(client)
        days_stated = [f"2024-03-{d:02d}T00:00:00Z" for d in range(1, 11)]
        existing = [
            (await worded(client, claim, actor, source, "asserted", at))["id"] for at in days_stated
        ]
        days = iter(range(1, 29))

        async def insert() -> None:  # one before everything listed so far, one after
            day = next(days)
            for stated in (f"2024-01-{day:02d}T00:00:00Z", f"2024-05-{day:02d}T00:00:00Z"):
                await worded(client, claim, actor, source, "denied", stated)

        seen = await walk_while_inserting(client, f"/v1/claims/{claim['id']}/timeline", insert)
        exactly_once(seen, existing)

    async def test_actor_and_source_stances(self, client: httpx.AsyncClient) -> None:
        actor, source = await make_actor(client), await make_source(client)
        claims = [await make_claim(client) for _ in range(3)]
        existing = [
            (await worded(client, claims[n % 3], actor, source, "likely"))["id"] for n in range(8)
        ]

        async def insert() -> None:
            await worded(client, claims[0], actor, source, "unlikely")

        exactly_once(
            await walk_while_inserting(client, f"/v1/actors/{actor['id']}/stances", insert),
            existing,
        )
        exactly_once(
            await walk_while_inserting(client, f"/v1/sources/{source['id']}/stances", insert),
            existing,
        )

    @pytest.mark.parametrize("sort", ["created", "newest", "stances", "relevance"])
    async def test_claim_search_while_claims_are_added(
        self, client: httpx.AsyncClient, sort: str
    ) -> None:
        source, actor = await make_source(client), await make_actor(client)
        existing: list[Json] = []
        for n in range(9):
            claim = await make_claim(client, statement=f"Patrol {n} spotted the convoy")
            for _ in range(n % 3):
                await worded(
                    client, claim, actor, source, "asserted", f"2024-02-0{n % 4 + 1}T00:00:00Z"
                )
            existing.append(claim)
        counter = iter(range(100))

        async def insert() -> None:  # new claims, with and without stances
            claim = await make_claim(
                client, statement=f"Patrol {100 + next(counter)} saw the convoy"
            )
            await worded(client, claim, actor, source, "asserted", "2024-02-02T00:00:00Z")

        params: dict[str, Any] = {"sort": sort}
        if sort == "relevance":
            params["q"] = "convoy"
        seen = await walk_while_inserting(client, "/v1/claims", insert, **params)
        exactly_once(seen, [c["id"] for c in existing])
