"""The issue's "done means": on the worked example, suggestions for the article return the
Kremlin's and North Korea's denials, Kyiv's and Seoul's assertions and Kim Yong-hyun's "highly
likely", each with its quote span; accepted into an empty database, they give the worked
example's answers to "who asserts" and "who disputes"."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app import migrate
from app.main import create_app
from app.settings import Settings
from app.sources import service as sources
from app.sources.schemas import SourceCreate
from app.suggestions.accept import accept
from app.suggestions.schemas import SuggestionOut
from app.vocabulary import SourceKind
from tests.conftest import client_for

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]


@asynccontextmanager
async def _empty_app(new_database: NewDatabase) -> AsyncIterator[FastAPI]:
    async with new_database() as url:
        app: FastAPI = create_app(Settings(database_url=url))
        await migrate.upgrade(app.state.engine)
        async with app.router.lifespan_context(app):
            yield app


async def _answers(http: httpx.AsyncClient) -> dict[str, dict[str, set[str]]]:
    """For each claim (by statement): the names of the actors on each side."""
    claims = (await http.get("/v1/claims", params={"limit": 500})).json()["items"]
    out = {}
    for claim in claims:
        sides: dict[str, set[str]] = {}
        for side in ("support", "dispute"):
            r = await http.get(
                "/v1/stances", params={"claim_id": claim["id"], "side": side, "limit": 500}
            )
            sides[side] = {s["actor"]["name"] for s in r.json()["items"]}
        out[claim["statement"]] = sides
    return out


def _one(items: list[dict[str, Any]], actor: uuid.UUID, label: str) -> dict[str, Any]:
    found = [i for i in items if i["speaker"]["actor_id"] == str(actor) and i["label"] == label]
    assert found, f"no {label} suggestion by {actor}"
    return found[0]


async def test_the_article_gives_the_denials_assertions_and_highly_likely_with_spans(
    client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> None:
    r = await client.post("/v1/suggestions", json={"source_id": str(demo["article"])})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    text = (await client.get(f"/v1/sources/{demo['article']}/text")).text
    wanted = [
        _one(items, demo["kremlin"], "denied"),
        _one(items, demo["north-korean-officials"], "denied"),
        *[
            i
            for i in items
            if i["speaker"]["actor_id"]
            in (str(demo["officials-in-kyiv"]), str(demo["officials-in-seoul"]))
            and i["side"] == "support"
        ],
        _one(items, demo["kim-yong-hyun"], "highly_likely"),
    ]
    assert {i["speaker"]["name"] for i in wanted} >= {
        "Kremlin",
        "North Korean officials",
        "Officials in Kyiv",
        "Officials in Seoul",
        "Kim Yong-hyun",
    }
    for item in wanted:
        span = item["quote_span"]
        assert text[span["start"] : span["end"]] == item["quote"]
        assert item["claim"]["claim_id"] == str(demo["nk-personnel-deployed"]) or item["label"] in (
            "denied",
            "confirmed",
        )
    kim = _one(items, demo["kim-yong-hyun"], "highly_likely")
    assert "highly likely" in kim["cues"]
    assert "highly likely" in kim["quote"]


@pytest.mark.slow
async def test_accepted_into_an_empty_database_they_answer_who_asserts_and_who_disputes(
    client: httpx.AsyncClient, demo: dict[str, uuid.UUID], new_database: NewDatabase
) -> None:
    r = await client.post("/v1/suggestions", json={"source_id": str(demo["article"])})
    items = [SuggestionOut.model_validate(i) for i in r.json()["items"]]
    source = (await client.get(f"/v1/sources/{demo['article']}")).json()
    text = (await client.get(f"/v1/sources/{demo['article']}/text")).text
    expected = await _answers(client)
    async with _empty_app(new_database) as app:
        async with app.state.sessionmaker() as session:
            created = await sources.create_source(
                session,
                SourceCreate(
                    kind=SourceKind.news_article,
                    title=source["title"],
                    published_at=source["published_at"],
                    text=text,
                ),
                by="test",
            )
            counts = await accept(
                session, items, source_id=created.id, create_missing=True, by="test"
            )
            await session.commit()
        assert counts["stance created"] > 30
        async with client_for(app) as http:
            answered = await _answers(http)
    main = "North Korean military personnel are deployed with Russian forces in Ukraine"
    assert answered[main] == expected[main]
    assert answered[main]["dispute"] == {"Kremlin", "North Korean officials"}
    assert {"Officials in Kyiv", "Officials in Seoul", "Kim Yong-hyun"} <= answered[main]["support"]
    taken = {k: v for k, v in expected.items() if v["support"] or v["dispute"]}
    assert len(taken) > 15
    assert {k: answered.get(k) for k in taken} == taken
