"""The import's many-key lookups: the same rows on both databases, whatever the keys."""

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.lookup import among, rows_among
from app.models import Actor, Source
from tests.factories import make_actor, make_source

LONG = "n" * 400  # the longest name an actor may have


async def _actor(client: httpx.AsyncClient, kind: str, name: str) -> uuid.UUID:
    return uuid.UUID((await make_actor(client, kind=kind, name=name))["id"])


async def test_one_column_matches_exactly_the_keys_given(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    ids = {name: await _actor(client, "person", name) for name in ("Ann", "Bo", LONG)}
    # More keys than rows, most of them absent; a key one character longer than the column
    # holds must not match the row it starts with.
    wanted = ["Ann", LONG, LONG + "x", "Ann ", *(f"absent {i}" for i in range(2500))]
    async with engine.connect() as conn:
        found = await conn.execute(select(Actor.name).where(among(backend, Actor.name, wanted)))
        assert sorted(found.scalars()) == sorted(["Ann", LONG])
        none = await conn.execute(select(Actor.id).where(among(backend, Actor.name, [])))
        assert none.all() == []
        by_id = await conn.execute(
            select(Actor.name).where(among(backend, Actor.id, [ids["Bo"], ids["Ann"]]))
        )
        assert sorted(by_id.scalars()) == ["Ann", "Bo"]


async def test_rows_of_columns_match_as_rows_not_column_by_column(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    await _actor(client, "person", "Ann")
    await _actor(client, "organization", "Bo")
    await _actor(client, "person", LONG)
    # ("person", "Bo") holds a kind and a name that both exist, in different rows.
    wanted = [("person", "Ann"), ("person", "Bo"), ("person", LONG + "x"), ("state", "Ann")]
    columns = (Actor.kind, Actor.name)
    async with engine.connect() as conn:
        found = await conn.execute(
            select(Actor.kind, Actor.name).where(rows_among(backend, columns, wanted))
        )
        assert sorted(tuple(row) for row in found) == [("person", "Ann")]
        pairs = [("person", "Ann"), ("organization", "Bo"), ("person", LONG)]
        found = await conn.execute(select(Actor.name).where(rows_among(backend, columns, pairs)))
        assert sorted(found.scalars()) == sorted(["Ann", "Bo", LONG])


async def test_a_row_of_three_columns_of_ids_and_text(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str
) -> None:
    publisher = await _actor(client, "organization", "Daily")
    source = await make_source(client, title="T", publisher_id=str(publisher))
    columns = (Source.id, Source.publisher_id, Source.url)
    hit = (uuid.UUID(source["id"]), publisher, source["url"])
    miss = (uuid.UUID(source["id"]), publisher, source["url"] + "x")
    async with engine.connect() as conn:
        found = await conn.execute(select(Source.title).where(rows_among(backend, columns, [hit])))
        assert found.scalars().all() == ["T"]
        found = await conn.execute(select(Source.title).where(rows_among(backend, columns, [miss])))
        assert found.all() == []
