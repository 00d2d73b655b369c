"""create_actors: one set-based create for a batch of actors, as the API and the import use it;
here with batches of several rows, which the API never sends."""

import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.actors.schemas import ActorCreate
from app.actors.writes import create_actors
from app.db.batches import Write
from app.db.engines import create_sessionmaker
from app.models import Actor, ActorAlias, ActorExternalId, Change
from tests.factories import committed
from tests.reading import count_rows


async def test_a_batch_creates_the_actors_whose_keys_are_free_with_their_sub_records(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/v1/actors",
        json={"kind": "person", "name": "Ann Lee", "external_ids": {"wikidata": "Q1"}},
    )
    assert r.status_code == 201, r.text
    stored = uuid.UUID(r.json()["id"])
    changes_before = await count_rows(engine, Change)
    batch = [
        ActorCreate.model_validate(fields)
        for fields in (
            {"kind": "person", "name": "Bo Kim", "aliases": ["Bo", "B. Kim"]},
            {"kind": "person", "name": "Ann Lee"},  # the stored actor's name
            {"kind": "person", "name": "Cy", "external_ids": {"wikidata": "Q1", "isni": "7"}},
            {"kind": "organization", "name": "Ann Lee", "external_ids": {"isni": "8"}},
        )
    ]
    async with create_sessionmaker(engine)() as session:
        outcomes = await create_actors(session, batch, Write("tests"))
        # The API's placement refuses a taken key; a batch with one writes nothing.
        assert [o.created for o in outcomes] == [True, False, False, True]
        assert outcomes[1].owners == {("n", "person", "Ann Lee"): stored}
        assert outcomes[2].owners == {("x", "wikidata", "Q1"): stored}
        assert await session.scalar(select(func.count()).select_from(Actor)) == 1
        await session.rollback()

    outcomes = await committed(engine, create_actors, [batch[0], batch[3]])
    assert all(o.created for o in outcomes)
    assert await count_rows(engine, Actor) == 3
    assert await count_rows(engine, ActorAlias) == 2
    assert await count_rows(engine, ActorExternalId) == 2
    assert await count_rows(engine, Change) == changes_before + 2
    for outcome, data in zip(outcomes, (batch[0], batch[3]), strict=True):
        actor_id = outcome.values["id"]
        body = (await client.get(f"/v1/actors/{actor_id}")).json()
        assert body["aliases"] == data.aliases
        assert body["external_ids"] == data.external_ids
        (change,) = (await client.get(f"/v1/actors/{actor_id}/history")).json()["items"]
        assert change["action"] == "create"
        assert change["after"]["aliases"] == data.aliases
        assert change["after"]["external_ids"] == data.external_ids
