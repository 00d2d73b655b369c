"""GET /v1/export: filtered exports hold what they refer to; the standard formats."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from tests.conftest import problem
from tests.transfer.helpers import (
    NewDatabase,
    export,
    imported,
    lines,
    serving,
    strip,
    walk,
)

Ids = dict[str, uuid.UUID]
STIX = {"Content-Type": "application/stix+json"}


def by_type(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(record["type"], []).append(record)
    return out


def assert_self_contained(records: list[dict[str, Any]]) -> None:
    """Every ref names a record earlier in the export."""
    seen: set[str] = set()
    for record in records:
        for field in ("actor", "organization", "publisher", "source", "cited", "claim"):
            if field in record and record[field] is not None and record["type"] != "actor":
                assert record[field] in seen, (record, field)
        for field in ("authors", "about"):
            assert set(record.get(field, [])) <= seen, (record, field)
        for field in ("related", "retraction_source"):
            if record.get(field) is not None:
                assert record[field] in seen, (record, field)
        seen.add(record["key"])


async def side_answers(client: httpx.AsyncClient, claim_id: str) -> dict[str, Any]:
    return {
        side: strip(await walk(client, "/v1/stances", claim_id=claim_id, side=side))
        for side in ("support", "neutral", "dispute")
    }


class TestFilteredExport:
    async def test_a_claims_export_imports_on_its_own(
        self, client: httpx.AsyncClient, demo: Ids, new_database: NewDatabase
    ) -> None:
        claim_id = str(demo["nk-personnel-deployed"])
        records = lines(await export(client, claim_id=claim_id))
        assert_self_contained(records)
        kinds = by_type(records)
        assert [c["id"] for c in kinds["claim"]] == [claim_id]
        stances = await walk(client, "/v1/stances", claim_id=claim_id)
        assert sorted(s["id"] for s in kinds["stance"]) == sorted(s["id"] for s in stances)
        assert len(kinds["actor"]) < len(await walk(client, "/v1/actors"))
        async with new_database() as url, serving(url) as copy:
            content = b"".join(orjson.dumps(r) + b"\n" for r in records)
            await imported(copy, content)
            assert await side_answers(copy, claim_id) == await side_answers(client, claim_id)
            detail = await copy.get(f"/v1/claims/{claim_id}")
            original = await client.get(f"/v1/claims/{claim_id}")
            assert strip(detail.json()) == strip(original.json())

    async def test_an_actors_export_holds_its_stances(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        actor_id = str(demo["kremlin"])
        records = lines(await export(client, actor_id=actor_id))
        assert_self_contained(records)
        kinds = by_type(records)
        assert {s["actor"] for s in kinds["stance"]} == {actor_id}
        assert actor_id in {a["id"] for a in kinds["actor"]}
        claims = {s["claim"] for s in kinds["stance"]}
        assert {c["id"] for c in kinds["claim"]} == claims

    async def test_since_exports_what_changed_and_what_it_cites(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        before = datetime.now(UTC)
        (stance, *_) = await walk(client, "/v1/stances", actor_id=str(demo["kim-yong-hyun"]))
        r = await client.patch(f"/v1/stances/{stance['id']}", json={"confidence": "high"})
        assert r.status_code == 200, r.text
        records = lines(await export(client, since=before.isoformat()))
        assert_self_contained(records)
        kinds = by_type(records)
        assert [s["id"] for s in kinds["stance"]] == [stance["id"]]
        assert kinds["stance"][0]["confidence"] == "high"
        assert [c["id"] for c in kinds["claim"]] == [stance["claim_id"]]
        assert [s["id"] for s in kinds["source"]] == [stance["source_id"]]
        assert stance["actor_id"] in {a["id"] for a in kinds["actor"]}
        assert "affiliation" not in kinds

    async def test_an_unknown_claim_is_a_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/export", params={"claim_id": str(uuid.uuid4())})
        problem(r, 404)

    async def test_nothing_to_export_is_an_empty_body(self, client: httpx.AsyncClient) -> None:
        assert await export(client) == b""


class TestStandardFormats:
    async def test_each_format_is_served_from_the_export(
        self, client: httpx.AsyncClient, demo: Ids
    ) -> None:
        for fmt, media_type in (
            ("stix", "application/stix+json"),
            ("prov", "application/json"),
            ("claimreview", "application/ld+json"),
        ):
            r = await client.get("/v1/export", params={"format": fmt})
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith(media_type.split(";")[0]), fmt
            assert orjson.loads(r.content), fmt

    async def test_a_stix_bundle_imports(
        self, client: httpx.AsyncClient, demo: Ids, new_database: NewDatabase
    ) -> None:
        bundle = (await client.get("/v1/export", params={"format": "stix"})).content
        async with new_database() as url, serving(url) as copy:
            r = await copy.post("/v1/import", content=bundle, headers=STIX)
            assert r.status_code == 200, r.text
            stances = await walk(client, "/v1/stances")
            assert r.json()["counts"]["stance"]["created"] == len(stances)
            again = await copy.post("/v1/import", content=bundle, params={"format": "stix"})
            assert again.json()["counts"]["stance"]["created"] == 0

    async def test_a_broken_bundle_is_a_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/v1/import", content=b'{"type": "note"}', headers=STIX)
        assert problem(r, 422)["errors"][0]["field"] == "body"
