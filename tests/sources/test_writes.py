"""create_sources: one set-based create for a batch of sources, as the API and the import use
it; here with batches of several rows, which the API never sends."""

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.batches import Write
from app.db.engines import create_sessionmaker
from app.models import Change, Source, SourceAuthor
from app.sources.rules import sha256_hex
from app.sources.schemas import SourceCreate
from app.sources.writes import NewSource, create_sources
from tests.factories import committed
from tests.reading import count_rows


def _new(**fields: Any) -> NewSource:
    return NewSource.of(SourceCreate.model_validate({"kind": "news_article", **fields}))


async def test_a_batch_creates_the_sources_whose_urls_are_free_with_their_authors(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    r = await client.post("/v1/actors", json={"kind": "person", "name": "Ann Lee"})
    author = r.json()["id"]
    r = await client.post(
        "/v1/sources", json={"kind": "report", "title": "Stored", "url": "https://ex.org/a"}
    )
    assert r.status_code == 201, r.text
    stored = uuid.UUID(r.json()["id"])
    changes_before = await count_rows(engine, Change)
    batch = [
        _new(title="One", author_ids=[author, author], text="Some words."),
        _new(title="Two", url="https://EX.org/a#top"),  # the stored source's URL, normalized
        _new(title="Three", url="https://ex.org/b", publisher_id=author),
    ]
    async with create_sessionmaker(engine)() as session:
        outcomes = await create_sources(session, batch, Write("tests"))
        # The API's placement refuses a taken URL; a batch with one writes nothing.
        assert [o.created for o in outcomes] == [False, False, False]
        assert [o.owner for o in outcomes] == [None, stored, None]
        assert await session.scalar(select(func.count()).select_from(Source)) == 1
        await session.rollback()

    outcomes = await committed(engine, create_sources, [batch[0], batch[2]])
    assert all(o.created for o in outcomes)
    assert outcomes[0].values["content_hash"] == sha256_hex("Some words.")
    assert await count_rows(engine, Source) == 3
    assert await count_rows(engine, SourceAuthor) == 1  # an author named twice is one author
    assert await count_rows(engine, Change) == changes_before + 2
    for outcome in outcomes:
        source_id = outcome.values["id"]
        body = (await client.get(f"/v1/sources/{source_id}")).json()
        (change,) = (await client.get(f"/v1/sources/{source_id}/history")).json()["items"]
        assert change["action"] == "create"
        assert change["after"]["author_ids"] == body["author_ids"]
        assert change["after"]["url"] == body["url"]
    assert outcomes[1].values["url"] == "https://ex.org/b"
