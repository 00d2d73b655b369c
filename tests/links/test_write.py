"""Creating, changing and deleting owned links: the same rules for every kind, each test run
once per kind (`case`) and per database."""

import uuid

import httpx

from tests.conftest import field_errors, problem
from tests.links.conftest import LinkCase, Record


class TestCreate:
    async def test_returns_201_the_link_and_its_location(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        r = await client.post(case.path(owner), json=case.body(other, case.kinds[1]))
        assert r.status_code == 201, r.text
        link = r.json()
        assert uuid.UUID(link["id"])
        assert (link[case.owner_field], link[case.other_field]) == (owner["id"], other["id"])
        assert (link["kind"], link["version"]) == (case.kinds[1], 1)
        assert r.headers["location"] == f"http://test{case.path(owner, link)}"
        assert (await client.get(r.headers["location"])).json() == link

    async def test_link_to_itself_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record
    ) -> None:
        r = await client.post(case.path(owner), json=case.body(owner))
        assert field_errors(problem(r, 422)) == {case.other_field}
        assert await case.ids(client, owner) == []

    async def test_unknown_other_end_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record
    ) -> None:
        r = await client.post(case.path(owner), json=case.body({"id": str(uuid.uuid4())}))
        body = problem(r, 422)
        assert body["type"] == "/problems/unknown-reference"
        assert field_errors(body) == {case.other_field}

    async def test_missing_other_end_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record
    ) -> None:
        r = await client.post(case.path(owner), json={"kind": case.kinds[0]})
        assert case.other_field in field_errors(problem(r, 422))

    async def test_owner_in_the_body_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        body = case.body(other, **{case.owner_field: other["id"]})
        assert case.owner_field in field_errors(
            problem(await client.post(case.path(owner), json=body), 422)
        )

    async def test_kind_defaults_only_for_citations(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        r = await client.post(case.path(owner), json={case.other_field: other["id"]})
        if case.default_kind is None:
            assert field_errors(problem(r, 422)) == {"kind"}
        else:
            assert r.status_code == 201, r.text
            assert r.json()["kind"] == case.default_kind

    async def test_invalid_kind_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        r = await client.post(case.path(owner), json=case.body(other, case.invalid_kind))
        assert "kind" in field_errors(problem(r, 422))

    async def test_unknown_owner_is_404_and_deleted_owner_410(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        unknown = {"id": str(uuid.uuid4())}
        r = await client.post(case.path(unknown), json=case.body(other))
        assert problem(r, 404)["type"] == f"/problems/unknown-{case.owner_entity}"
        assert (await client.delete(f"{case.owners}/{owner['id']}")).status_code == 204
        r = await client.post(case.path(owner), json=case.body(other))
        assert problem(r, 410)["type"] == "/problems/deleted"

    async def test_duplicate_is_409_naming_the_first(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        first = await case.link(client, owner, other)
        r = await client.post(case.path(owner), json=case.body(other))
        assert problem(r, 409)["existing_id"] == first["id"]
        assert await case.ids(client, owner) == [first["id"]]

    async def test_same_ends_with_another_kind_is_allowed(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        a = await case.link(client, owner, other, case.kinds[0])
        b = await case.link(client, owner, other, case.kinds[1])
        # and the reverse link is another link
        c = await case.link(client, other, owner, case.kinds[0])
        assert await case.ids(client, owner) == [a["id"], b["id"], c["id"]]


class TestUpdate:
    async def test_changes_the_kind_and_the_version(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record, link: Record
    ) -> None:
        r = await client.patch(case.path(owner, link), json={"kind": case.kinds[2]})
        assert r.status_code == 200, r.text
        after = r.json()
        assert (after["kind"], after["version"]) == (case.kinds[2], 2)
        assert after[case.other_field] == other["id"]
        assert (await client.get(case.path(owner, link))).json() == after

    async def test_unchanged_patch_keeps_the_version(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, link: Record
    ) -> None:
        r = await client.patch(case.path(owner, link), json={"kind": link["kind"]})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1

    async def test_invalid_or_null_kind_is_422(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, link: Record
    ) -> None:
        for kind in (case.invalid_kind, None):
            r = await client.patch(case.path(owner, link), json={"kind": kind})
            assert set(field_errors(problem(r, 422))) == {"kind"}
        assert (await client.get(case.path(owner, link))).json() == link

    async def test_other_end_cannot_be_changed(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, link: Record
    ) -> None:
        third = await case.make(client)
        r = await client.patch(case.path(owner, link), json=case.body(third))
        assert case.other_field in field_errors(problem(r, 422))
        assert (await client.get(case.path(owner, link))).json() == link

    async def test_kind_of_another_link_is_409(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record
    ) -> None:
        taken = await case.link(client, owner, other, case.kinds[0])
        link = await case.link(client, owner, other, case.kinds[1])
        r = await client.patch(case.path(owner, link), json={"kind": case.kinds[0]})
        assert problem(r, 409)["existing_id"] == taken["id"]
        assert (await client.get(case.path(owner, link))).json() == link

    async def test_only_under_its_owner(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record, link: Record
    ) -> None:
        case.assert_unknown_link(
            await client.patch(case.path(other, link), json={"kind": case.kinds[1]})
        )
        assert (await client.get(case.path(owner, link))).json() == link

    async def test_if_match_with_an_old_etag_is_412(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, link: Record
    ) -> None:
        etag = (await client.get(case.path(owner, link))).headers["etag"]
        r = await client.patch(case.path(owner, link), json={"kind": case.kinds[1]})
        assert r.status_code == 200, r.text
        stale = {"If-Match": etag}
        r = await client.patch(case.path(owner, link), json={"kind": case.kinds[2]}, headers=stale)
        problem(r, 412)
        assert (await client.get(case.path(owner, link))).json()["kind"] == case.kinds[1]


class TestDelete:
    async def test_deletes_then_410_and_frees_the_other_end(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record, link: Record
    ) -> None:
        r = await client.delete(f"{case.owners}/{other['id']}")
        assert problem(r, 409)["type"] == "/problems/still-referenced"
        assert (await client.delete(case.path(owner, link))).status_code == 204
        assert problem(await client.get(case.path(owner, link)), 410)["type"] == "/problems/deleted"
        assert await case.ids(client, owner) == []
        assert (await client.delete(f"{case.owners}/{other['id']}")).status_code == 204
        assert (await client.get(f"{case.owners}/{owner['id']}")).status_code == 200

    async def test_only_under_its_owner(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record, other: Record, link: Record
    ) -> None:
        case.assert_unknown_link(await client.delete(case.path(other, link)))
        assert await case.ids(client, owner) == [link["id"]]

    async def test_unknown_link_is_404(
        self, client: httpx.AsyncClient, case: LinkCase, owner: Record
    ) -> None:
        case.assert_unknown_link(await client.delete(case.path(owner, {"id": str(uuid.uuid4())})))


async def test_history_records_every_change(
    client: httpx.AsyncClient, case: LinkCase, owner: Record, link: Record
) -> None:
    await client.patch(case.path(owner, link), json={"kind": case.kinds[1]})
    assert (await client.delete(case.path(owner, link))).status_code == 204
    r = await client.get("/v1/changes", params={"entity": case.history_entity})
    assert r.status_code == 200, r.text
    changes = [c for c in r.json()["items"] if c["entity_id"] == link["id"]]
    assert [(c["action"], c["version"]) for c in changes] == [
        ("create", 1),
        ("update", 2),
        ("delete", 3),  # the tombstone's version
    ]
    assert changes[1]["before"]["kind"] == case.kinds[0]
    assert changes[1]["after"]["kind"] == case.kinds[1]
