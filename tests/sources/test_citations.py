"""Citations: /v1/sources/{id}/citations create, list, get, update, delete."""

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import field_errors, problem
from tests.factories import make_source


def _path(source: dict[str, Any], citation: dict[str, Any] | None = None) -> str:
    base = f"/v1/sources/{source['id']}/citations"
    return base if citation is None else f"{base}/{citation['id']}"


async def _cite(
    client: httpx.AsyncClient, source: dict[str, Any], cited: dict[str, Any], **over: Any
) -> dict[str, Any]:
    r = await client.post(_path(source), json={"cited_source_id": cited["id"], **over})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def _ids(client: httpx.AsyncClient, source: dict[str, Any], **params: Any) -> list[str]:
    r = await client.get(_path(source), params=params)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


@pytest.fixture
async def story_and_primary(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A news story and the statement it cites."""
    story = await make_source(client, kind="news_article")
    primary = await make_source(client, kind="statement")
    return story, primary


class TestCreateCitation:
    async def test_defaults_to_cites(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        r = await client.post(_path(story), json={"cited_source_id": primary["id"]})
        assert r.status_code == 201, r.text
        citation = r.json()
        assert uuid.UUID(citation["id"])
        assert citation["source_id"] == story["id"]
        assert citation["cited_source_id"] == primary["id"]
        assert citation["kind"] == "cites"
        assert citation["version"] == 1

    @pytest.mark.parametrize("kind", ["quotes", "republishes", "translates"])
    async def test_takes_a_kind(
        self,
        client: httpx.AsyncClient,
        story_and_primary: tuple[dict[str, Any], dict[str, Any]],
        kind: str,
    ) -> None:
        story, primary = story_and_primary
        assert (await _cite(client, story, primary, kind=kind))["kind"] == kind

    async def test_invalid_kind_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        r = await client.post(
            _path(story), json={"cited_source_id": primary["id"], "kind": "copies"}
        )
        assert "kind" in field_errors(problem(r, 422))

    async def test_self_citation_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, _ = story_and_primary
        r = await client.post(_path(story), json={"cited_source_id": story["id"]})
        assert field_errors(problem(r, 422)) == {"cited_source_id"}
        assert await _ids(client, story) == []

    async def test_unknown_cited_source_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, _ = story_and_primary
        r = await client.post(_path(story), json={"cited_source_id": str(uuid.uuid4())})
        body = problem(r, 422)
        assert body["type"] == "/problems/unknown-reference"
        assert field_errors(body) == {"cited_source_id"}

    async def test_missing_cited_source_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, _ = story_and_primary
        r = await client.post(_path(story), json={"kind": "cites"})
        assert "cited_source_id" in field_errors(problem(r, 422))

    async def test_unknown_source_in_path_is_404(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        _, primary = story_and_primary
        r = await client.post(
            f"/v1/sources/{uuid.uuid4()}/citations", json={"cited_source_id": primary["id"]}
        )
        assert problem(r, 404)["type"] == "/problems/unknown-source"

    async def test_duplicate_is_409(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        first = await _cite(client, story, primary)
        r = await client.post(
            _path(story), json={"cited_source_id": primary["id"], "kind": "cites"}
        )
        assert problem(r, 409)["existing_id"] == first["id"]
        assert await _ids(client, story) == [first["id"]]

    async def test_same_pair_with_another_kind_is_allowed(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        a = await _cite(client, story, primary, kind="cites")
        b = await _cite(client, story, primary, kind="quotes")
        assert await _ids(client, story, direction="outgoing") == [a["id"], b["id"]]

    async def test_unknown_field_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        r = await client.post(
            _path(story),
            json={
                "cited_source_id": primary["id"],
                "source_id": primary["id"],
            },
        )
        assert "source_id" in field_errors(problem(r, 422))


class TestListCitations:
    async def test_directions(self, client: httpx.AsyncClient) -> None:
        primary = await make_source(client, kind="statement")
        wire = await make_source(client)
        paper = await make_source(client)
        wire_cites_primary = await _cite(client, wire, primary, kind="quotes")
        paper_cites_wire = await _cite(client, paper, wire, kind="republishes")

        assert await _ids(client, wire) == [wire_cites_primary["id"], paper_cites_wire["id"]]
        assert await _ids(client, wire, direction="both") == [
            wire_cites_primary["id"],
            paper_cites_wire["id"],
        ]
        assert await _ids(client, wire, direction="outgoing") == [wire_cites_primary["id"]]
        assert await _ids(client, wire, direction="incoming") == [paper_cites_wire["id"]]
        assert await _ids(client, primary, direction="outgoing") == []
        assert await _ids(client, primary, direction="incoming") == [wire_cites_primary["id"]]
        assert await _ids(client, paper, direction="incoming") == []

    async def test_invalid_direction_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, _ = story_and_primary
        r = await client.get(_path(story), params={"direction": "up"})
        assert "direction" in field_errors(problem(r, 422))

    async def test_unknown_source_is_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"/v1/sources/{uuid.uuid4()}/citations")
        assert problem(r, 404)["type"] == "/problems/unknown-source"

    async def test_paginates(self, client: httpx.AsyncClient) -> None:
        story = await make_source(client)
        cited = [await make_source(client) for _ in range(3)]
        created = [(await _cite(client, story, c))["id"] for c in cited]
        r = await client.get(_path(story), params={"limit": 2})
        first = r.json()
        assert [c["id"] for c in first["items"]] == created[:2]
        assert f"cursor={first['next_cursor']}" in r.headers["link"]
        r = await client.get(_path(story), params={"limit": 2, "cursor": first["next_cursor"]})
        assert [c["id"] for c in r.json()["items"]] == created[2:]
        assert r.json()["next_cursor"] is None


class TestGetCitation:
    async def test_returns_the_citation(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary, kind="translates")
        r = await client.get(_path(story, citation))
        assert r.status_code == 200, r.text
        assert r.json() == citation

    async def test_under_another_sources_path_is_404(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary)
        # read under the cited source too (its `direction=incoming` list shows it) ...
        r = await client.get(_path(primary, citation))
        assert r.status_code == 200, r.text
        assert r.json() == citation
        # ... but not under anyone else
        stranger = await make_source(client)
        assert problem(await client.get(_path(stranger, citation)), 404)

    async def test_unknown_citation_is_404(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, _ = story_and_primary
        r = await client.get(f"{_path(story)}/{uuid.uuid4()}")
        assert problem(r, 404)["type"] == "/problems/unknown-citation"

    async def test_malformed_id_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, _ = story_and_primary
        r = await client.get(f"{_path(story)}/nope")
        assert "citation_id" in field_errors(problem(r, 422))


class TestUpdateCitation:
    async def test_changes_kind(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary)
        r = await client.patch(_path(story, citation), json={"kind": "republishes"})
        assert r.status_code == 200, r.text
        after = r.json()
        assert after["kind"] == "republishes"
        assert after["version"] == citation["version"] + 1
        assert after["cited_source_id"] == primary["id"]
        assert (await client.get(_path(story, citation))).json() == after

    async def test_invalid_kind_is_422(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary)
        r = await client.patch(_path(story, citation), json={"kind": "steals"})
        assert "kind" in field_errors(problem(r, 422))

    async def test_cited_source_cannot_be_changed(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary)
        other = await make_source(client)
        r = await client.patch(
            _path(story, citation), json={"kind": "cites", "cited_source_id": other["id"]}
        )
        assert "cited_source_id" in field_errors(problem(r, 422))

    async def test_kind_colliding_with_another_citation_is_409(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        taken = await _cite(client, story, primary, kind="cites")
        other = await _cite(client, story, primary, kind="quotes")
        r = await client.patch(_path(story, other), json={"kind": "cites"})
        assert problem(r, 409)["existing_id"] == taken["id"]
        assert (await client.get(_path(story, other))).json() == other

    async def test_under_another_sources_path_is_404(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary)
        r = await client.patch(_path(primary, citation), json={"kind": "quotes"})
        assert problem(r, 404)["type"] == "/problems/unknown-citation"
        assert (await client.get(_path(story, citation))).json()["kind"] == "cites"


class TestDeleteCitation:
    async def test_deletes_then_410(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary)
        r = await client.delete(_path(story, citation))
        assert r.status_code == 204, r.text
        assert problem(await client.get(_path(story, citation)), 410)["type"] == "/problems/deleted"
        assert await _ids(client, primary) == []
        # no longer cited, the primary source can be deleted
        assert (await client.delete(f"/v1/sources/{primary['id']}")).status_code == 204

    async def test_under_another_sources_path_is_404(
        self, client: httpx.AsyncClient, story_and_primary: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = story_and_primary
        citation = await _cite(client, story, primary)
        r = await client.delete(_path(primary, citation))
        assert problem(r, 404)["type"] == "/problems/unknown-citation"
        assert (await client.get(_path(story, citation))).status_code == 200
