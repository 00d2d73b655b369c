"""GET /v1/claims/similar and the close claims POST /v1/claims names, on both databases; and
migration 0010 down and up again."""

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest

from app import migrate
from app.db.engines import create_engine, create_sessionmaker
from app.demo.loader import Loader, demo_lines
from app.main import create_app
from app.settings import Settings
from tests.conftest import client_for, field_errors, problem
from tests.reading import get_ok

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]
DEPLOYED = "North Korean military personnel are deployed with Russian forces in Ukraine"


async def _similar(http: httpx.AsyncClient, text: str, **params: object) -> list[dict[str, object]]:
    body = await get_ok(http, "/v1/claims/similar", text=text, **params)
    assert body["next_cursor"] is None
    items: list[dict[str, object]] = body["items"]
    return items


class TestSimilarClaims:
    async def test_a_reworded_statement_finds_its_claim_first(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        items = await _similar(client, "North Korean troops deployed alongside Russian forces")
        assert items[0]["id"] == str(demo["nk-personnel-deployed"])
        assert items[0]["statement"] == DEPLOYED
        scores = [float(str(i["score"])) for i in items]
        assert scores == sorted(scores, reverse=True)
        assert 0.5 < scores[0] <= 1

    async def test_misspellings_still_find_it(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        items = await _similar(client, "Nort Korean milittary personel deployd with Rusian forces")
        assert items[0]["id"] == str(demo["nk-personnel-deployed"])

    async def test_limit_and_min_score(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        assert len(await _similar(client, "North Korea Russia", limit=3)) == 3
        close = await _similar(client, DEPLOYED, min_score=0.9)
        assert [i["id"] for i in close] == [str(demo["nk-personnel-deployed"])]

    async def test_unrelated_text_finds_nothing(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        assert await _similar(client, "Volcanic eruption in Iceland") == []

    async def test_similar_is_not_taken_for_a_claim_id(self, client: httpx.AsyncClient) -> None:
        assert await _similar(client, "anything") == []

    async def test_invalid_parameters_are_named(self, client: httpx.AsyncClient) -> None:
        for params, field in (
            ({}, "text"),
            ({"text": ""}, "text"),
            ({"text": "x" * 1001}, "text"),
            ({"text": "x", "limit": 0}, "limit"),
            ({"text": "x", "limit": 51}, "limit"),
            ({"text": "x", "min_score": 2}, "min_score"),
        ):
            r = await client.get("/v1/claims/similar", params=params)
            assert field in field_errors(problem(r, 422)), params


def _related(response: httpx.Response) -> list[tuple[str, float]]:
    """(claim id, score) of each `rel="related"` link of the response."""
    found = []
    for link in filter(None, response.headers.get("link", "").split(", ")):
        target, *params = link.split("; ")
        assert 'rel="related"' in params
        score = next(p for p in params if p.startswith("score="))
        found.append((target.strip("<>").rsplit("/", 1)[1], float(score[7:-1])))
    return found


class TestCreateNamesCloseClaims:
    async def test_a_near_duplicate_is_created_and_names_the_close_claim(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        statement = (
            "North Korean military personnel are deployed alongside Russian forces in Ukraine"
        )
        r = await client.post("/v1/claims", json={"statement": statement})
        assert r.status_code == 201, r.text
        related = _related(r)
        assert related[0][0] == str(demo["nk-personnel-deployed"])
        assert related[0][1] >= 0.6
        assert r.json()["id"] not in {claim_id for claim_id, _ in related}
        # The body is the claim as GET shows it, with the same ETag.
        got = await client.get(f"/v1/claims/{r.json()['id']}")
        assert got.json() == r.json()
        assert got.headers["etag"] == r.headers["etag"]

    async def test_a_new_statement_names_none(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/v1/claims", json={"statement": "The moon is made of cheese"})
        assert r.status_code == 201, r.text
        assert "link" not in r.headers


@pytest.mark.slow
async def test_migration_0010_down_and_up_keeps_similar_claims(new_database: NewDatabase) -> None:
    async with new_database() as url:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            async with create_sessionmaker(engine)() as session:
                await Loader(session, by="test").load(demo_lines())
                await session.commit()
            await migrate.downgrade(engine, "0010_secrets")
            assert await migrate.current_revision(engine) == "0010_secrets"
            await migrate.upgrade(engine)
            app = create_app(Settings(database_url=url))
            async with app.router.lifespan_context(app), client_for(app) as http:
                items = await _similar(http, "Nort Korean personel deployd in Ukrane")
            assert items[0]["statement"] == DEPLOYED
        finally:
            await engine.dispose()


async def test_similar_answers_405_to_patch_and_delete(client: httpx.AsyncClient) -> None:
    for method in ("PATCH", "DELETE", "PUT", "POST"):
        r = await client.request(method, "/v1/claims/similar", params={"text": "x"})
        assert r.status_code == 405, (method, r.text)
        assert r.headers["allow"] == "GET"
