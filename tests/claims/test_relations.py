"""Claim relations under /v1/claims/{id}/relations."""

import uuid
from typing import Any

import httpx

from tests.conftest import field_errors, problem
from tests.factories import make_claim


async def relate(
    client: httpx.AsyncClient, claim_id: str, related_id: str, kind: str = "refines"
) -> dict[str, Any]:
    r = await client.post(
        f"/v1/claims/{claim_id}/relations", json={"related_claim_id": related_id, "kind": kind}
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def listed(client: httpx.AsyncClient, claim_id: str, **params: Any) -> set[str]:
    r = await client.get(f"/v1/claims/{claim_id}/relations", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return {rel["id"] for rel in r.json()["items"]}


class TestCreateRelation:
    async def test_created(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"], "refines")
        uuid.UUID(rel["id"])
        assert rel["claim_id"] == a["id"]
        assert rel["related_claim_id"] == b["id"]
        assert rel["kind"] == "refines"
        assert rel["version"] == 1

    async def test_same_pair_with_another_kind_is_allowed(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        first = await relate(client, a["id"], b["id"], "refines")
        second = await relate(client, a["id"], b["id"], "supports")
        assert first["id"] != second["id"]

    async def test_self_relation_is_422(self, client: httpx.AsyncClient) -> None:
        a = await make_claim(client)
        r = await client.post(
            f"/v1/claims/{a['id']}/relations", json={"related_claim_id": a["id"], "kind": "same_as"}
        )
        assert "related_claim_id" in field_errors(problem(r, 422))

    async def test_unknown_related_claim_is_422(self, client: httpx.AsyncClient) -> None:
        a = await make_claim(client)
        r = await client.post(
            f"/v1/claims/{a['id']}/relations",
            json={"related_claim_id": str(uuid.uuid4()), "kind": "supports"},
        )
        body = problem(r, 422)
        assert "related_claim_id" in field_errors(body)
        assert body["type"] == "/problems/unknown-reference"

    async def test_duplicate_is_409(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        first = await relate(client, a["id"], b["id"], "contradicts")
        r = await client.post(
            f"/v1/claims/{a['id']}/relations",
            json={"related_claim_id": b["id"], "kind": "contradicts"},
        )
        assert problem(r, 409)["existing_id"] == first["id"]
        assert await listed(client, a["id"]) == {first["id"]}

    async def test_invalid_kind_is_422(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        r = await client.post(
            f"/v1/claims/{a['id']}/relations", json={"related_claim_id": b["id"], "kind": "implies"}
        )
        assert "kind" in field_errors(problem(r, 422))

    async def test_unknown_claim_is_404(self, client: httpx.AsyncClient) -> None:
        b = await make_claim(client)
        r = await client.post(
            f"/v1/claims/{uuid.uuid4()}/relations",
            json={"related_claim_id": b["id"], "kind": "supports"},
        )
        assert problem(r, 404)["type"] == "/problems/unknown-claim"


class TestListRelations:
    async def test_directions_and_kind(self, client: httpx.AsyncClient) -> None:
        a, b, c = await make_claim(client), await make_claim(client), await make_claim(client)
        out_refines = await relate(client, a["id"], b["id"], "refines")
        out_supports = await relate(client, a["id"], c["id"], "supports")
        incoming = await relate(client, c["id"], a["id"], "refines")
        unrelated = await relate(client, b["id"], c["id"], "refines")

        both = await listed(client, a["id"])
        assert both == {out_refines["id"], out_supports["id"], incoming["id"]}
        assert unrelated["id"] not in both
        assert await listed(client, a["id"], direction="both") == both
        assert await listed(client, a["id"], direction="outgoing") == {
            out_refines["id"],
            out_supports["id"],
        }
        assert await listed(client, a["id"], direction="incoming") == {incoming["id"]}
        assert await listed(client, a["id"], kind="refines") == {out_refines["id"], incoming["id"]}
        assert await listed(client, a["id"], direction="outgoing", kind="supports") == {
            out_supports["id"]
        }
        assert await listed(client, a["id"], kind="same_as") == set()

    async def test_pagination(self, client: httpx.AsyncClient) -> None:
        hub = await make_claim(client)
        ids = {
            (await relate(client, hub["id"], (await make_claim(client))["id"]))["id"]
            for _ in range(3)
        }
        r = await client.get(f"/v1/claims/{hub['id']}/relations", params={"limit": 2})
        first = r.json()
        assert len(first["items"]) == 2
        assert first["next_cursor"] is not None
        r = await client.get(
            f"/v1/claims/{hub['id']}/relations", params={"limit": 2, "cursor": first["next_cursor"]}
        )
        second = r.json()
        assert second["next_cursor"] is None
        assert {x["id"] for x in first["items"] + second["items"]} == ids

    async def test_invalid_direction_is_422(self, client: httpx.AsyncClient) -> None:
        a = await make_claim(client)
        r = await client.get(f"/v1/claims/{a['id']}/relations", params={"direction": "up"})
        assert "direction" in field_errors(problem(r, 422))

    async def test_unknown_claim_is_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"/v1/claims/{uuid.uuid4()}/relations")
        assert problem(r, 404)["type"] == "/problems/unknown-claim"


class TestGetRelation:
    async def test_found(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"], "same_as")
        r = await client.get(f"/v1/claims/{a['id']}/relations/{rel['id']}")
        assert r.status_code == 200
        assert r.json() == rel

    async def test_found_under_the_related_claim_too(self, client: httpx.AsyncClient) -> None:
        """What `/v1/claims/{B}/relations` lists (incoming included) can be read there."""
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"])
        listed = (await client.get(f"/v1/claims/{b['id']}/relations")).json()["items"]
        assert [r["id"] for r in listed] == [rel["id"]]
        r = await client.get(f"/v1/claims/{b['id']}/relations/{rel['id']}")
        assert r.status_code == 200, r.text
        assert r.json() == rel

    async def test_under_another_claims_path_is_404(self, client: httpx.AsyncClient) -> None:
        a, b, c = [await make_claim(client) for _ in range(3)]
        rel = await relate(client, a["id"], b["id"])
        r = await client.get(f"/v1/claims/{c['id']}/relations/{rel['id']}")
        assert problem(r, 404)["type"] == "/problems/unknown-claim-relation"

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        a = await make_claim(client)
        r = await client.get(f"/v1/claims/{a['id']}/relations/{uuid.uuid4()}")
        assert problem(r, 404)["type"] == "/problems/unknown-claim-relation"


class TestUpdateRelation:
    async def test_kind_changes(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"], "refines")
        r = await client.patch(
            f"/v1/claims/{a['id']}/relations/{rel['id']}", json={"kind": "contradicts"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["kind"] == "contradicts"
        assert r.json()["version"] == rel["version"] + 1
        got = (await client.get(f"/v1/claims/{a['id']}/relations/{rel['id']}")).json()
        assert got["kind"] == "contradicts"

    async def test_onto_an_existing_relation_is_409(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        refines = await relate(client, a["id"], b["id"], "refines")
        supports = await relate(client, a["id"], b["id"], "supports")
        r = await client.patch(
            f"/v1/claims/{a['id']}/relations/{supports['id']}", json={"kind": "refines"}
        )
        assert problem(r, 409)["existing_id"] == refines["id"]
        got = (await client.get(f"/v1/claims/{a['id']}/relations/{supports['id']}")).json()
        assert got["kind"] == "supports"

    async def test_invalid_kind_is_422(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"])
        r = await client.patch(
            f"/v1/claims/{a['id']}/relations/{rel['id']}", json={"kind": "opposes"}
        )
        assert "kind" in field_errors(problem(r, 422))

    async def test_related_claim_cannot_be_changed(self, client: httpx.AsyncClient) -> None:
        a, b, c = await make_claim(client), await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"])
        r = await client.patch(
            f"/v1/claims/{a['id']}/relations/{rel['id']}",
            json={"kind": "refines", "related_claim_id": c["id"]},
        )
        assert "related_claim_id" in field_errors(problem(r, 422))

    async def test_under_another_claims_path_is_404(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"], "refines")
        r = await client.patch(
            f"/v1/claims/{b['id']}/relations/{rel['id']}", json={"kind": "supports"}
        )
        assert problem(r, 404)["type"] == "/problems/unknown-claim-relation"
        got = (await client.get(f"/v1/claims/{a['id']}/relations/{rel['id']}")).json()
        assert got["kind"] == "refines"


class TestDeleteRelation:
    async def test_deleted_then_410(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"])
        r = await client.delete(f"/v1/claims/{a['id']}/relations/{rel['id']}")
        assert r.status_code == 204
        assert problem(await client.get(f"/v1/claims/{a['id']}/relations/{rel['id']}"), 410)
        assert await listed(client, a["id"]) == set()
        # nothing points at b any more, so it can go
        assert (await client.delete(f"/v1/claims/{b['id']}")).status_code == 204

    async def test_under_another_claims_path_is_404(self, client: httpx.AsyncClient) -> None:
        a, b = await make_claim(client), await make_claim(client)
        rel = await relate(client, a["id"], b["id"])
        r = await client.delete(f"/v1/claims/{b['id']}/relations/{rel['id']}")
        assert problem(r, 404)["type"] == "/problems/unknown-claim-relation"
        assert await listed(client, a["id"]) == {rel["id"]}

    async def test_unknown_is_404(self, client: httpx.AsyncClient) -> None:
        a = await make_claim(client)
        r = await client.delete(f"/v1/claims/{a['id']}/relations/{uuid.uuid4()}")
        assert problem(r, 404)["type"] == "/problems/unknown-claim-relation"
