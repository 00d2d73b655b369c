"""Listing and reading owned links: the same answers for every kind, each test run once per
kind (`case`) and per database."""

import uuid

import httpx
import pytest

from tests.conftest import field_errors, problem
from tests.links.conftest import LinkCase, Record


class TestList:
    async def test_directions_and_kinds(self, client: httpx.AsyncClient, case: LinkCase) -> None:
        hub, a, b, c = [await case.make(client) for _ in range(4)]
        out_a = await case.link(client, hub, a, case.kinds[0])
        out_b = await case.link(client, hub, b, case.kinds[1])
        into = await case.link(client, c, hub, case.kinds[0])
        elsewhere = await case.link(client, a, b, case.kinds[0])

        both = [out_a["id"], out_b["id"], into["id"]]
        assert await case.ids(client, hub) == both
        assert await case.ids(client, hub, direction="both") == both
        assert await case.ids(client, hub, direction="outgoing") == [out_a["id"], out_b["id"]]
        assert await case.ids(client, hub, direction="incoming") == [into["id"]]
        assert await case.ids(client, hub, kind=case.kinds[0]) == [out_a["id"], into["id"]]
        assert await case.ids(client, hub, direction="outgoing", kind=case.kinds[1]) == [
            out_b["id"]
        ]
        assert await case.ids(client, hub, kind=case.kinds[2]) == []
        assert await case.ids(client, a, direction="incoming") == [out_a["id"]]
        assert await case.ids(client, a, direction="outgoing") == [elsewhere["id"]]
        assert await case.ids(client, c, direction="incoming") == []

    @pytest.mark.parametrize("param", ["direction", "kind"])
    async def test_invalid_filter_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, param: str
    ) -> None:
        r = await client.get(case.path(owner), params={param: "sideways"})
        assert param in field_errors(problem(r, 422))

    async def test_unknown_owner_is_404(self, client: httpx.AsyncClient, case: LinkCase) -> None:
        r = await client.get(case.path({"id": str(uuid.uuid4())}))
        assert problem(r, 404)["type"] == f"/problems/unknown-{case.owner_entity}"

    async def test_paginates(self, client: httpx.AsyncClient, case: LinkCase) -> None:
        owner = await case.make(client)
        created = [(await case.link(client, owner, await case.make(client)))["id"] for _ in "abc"]
        r = await client.get(case.path(owner), params={"limit": 2})
        first = r.json()
        assert [item["id"] for item in first["items"]] == created[:2]
        assert f"cursor={first['next_cursor']}" in r.headers["link"]
        r = await client.get(case.path(owner), params={"limit": 2, "cursor": first["next_cursor"]})
        assert [item["id"] for item in r.json()["items"]] == created[2:]
        assert r.json()["next_cursor"] is None


class TestGet:
    async def test_under_either_end_but_no_other_record(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        link = await case.link(client, owner, other, case.kinds[2])
        for end in (owner, other):  # as both ends' lists show it
            r = await client.get(case.path(end, link))
            assert r.status_code == 200, r.text
            assert r.json() == link
            assert r.headers["etag"].startswith('"1-')
        stranger = await case.make(client)
        case.assert_unknown_link(await client.get(case.path(stranger, link)))

    async def test_unknown_link_is_404(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record
    ) -> None:
        case.assert_unknown_link(await client.get(case.path(owner, {"id": str(uuid.uuid4())})))

    async def test_malformed_id_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record
    ) -> None:
        r = await client.get(case.path(owner, {"id": "nope"}))
        assert field_errors(problem(r, 422)) == {case.link_param}
