"""create_claims: one set-based create for a batch of claims, as the API and the import use
it; here with batches of several rows, which neither the API nor a small import sends."""

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.claims.schemas import ClaimCreate
from app.claims.writes import NewClaim, create_claims
from app.db.batches import Write
from app.db.engines import create_sessionmaker
from app.models import Change, Claim, ClaimStats, ClaimSubject, ClaimTag
from tests.factories import committed, make_actor, make_claim
from tests.reading import count_rows


def _new(statement: str, **fields: Any) -> NewClaim:
    return NewClaim(ClaimCreate.model_validate({"statement": statement, **fields}))


async def test_a_batch_creates_each_new_claim_once_with_its_parts_and_history(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    stored = await make_claim(client, statement="Prices rose in May")
    actors = [(await make_actor(client))["id"] for _ in range(2)]
    changes_before = await count_rows(engine, Change)
    batch = [
        _new("Rates fell", tags=["rates", "bank"], about_actor_ids=[actors[1], actors[0]]),
        _new("prices  ROSE in may"),  # the stored claim's statement
        _new("RATES fell"),  # the first row's
        _new("Wages held", occurred_from="2024-05-01T00:00:00Z"),
    ]
    async with create_sessionmaker(engine)() as session:
        outcomes = await create_claims(session, batch, Write("tests"))
        # The API's placement refuses repeats; a batch with one writes nothing.
        assert [o.created for o in outcomes] == [True, False, False, True]
        assert [r["id"] for r in outcomes[1].repeats] == [uuid.UUID(stored["id"])]
        assert outcomes[2].repeats == [outcomes[0].values]
        assert await session.scalar(select(func.count()).select_from(Claim)) == 1
        await session.rollback()

    outcomes = await committed(engine, create_claims, [batch[0], batch[3]])
    assert all(o.created and o.error is None for o in outcomes)
    assert await count_rows(engine, Claim) == 3
    assert await count_rows(engine, ClaimTag) == 2
    assert await count_rows(engine, ClaimSubject) == 2
    assert await count_rows(engine, ClaimStats) == 3
    assert await count_rows(engine, Change) == changes_before + 2
    first = outcomes[0].values["id"]
    r = await client.get(f"/v1/claims/{first}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tags"] == ["bank", "rates"]
    assert body["about_actor_ids"] == [actors[1], actors[0]]
    assert body["summary"]["total"] == 0
    (change,) = (await client.get(f"/v1/claims/{first}/history")).json()["items"]
    assert change["action"] == "create"
    assert change["after"]["tags"] == ["bank", "rates"]
    assert change["after"]["about_actor_ids"] == [actors[1], actors[0]]


async def test_a_batch_with_a_refused_row_writes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    interval = {"occurred_from": "2024-05-02T00:00:00Z", "occurred_to": "2024-05-01T00:00:00Z"}
    unknown = str(uuid.uuid4())
    for refused, field in (
        (_new("Rates fell", **interval), "occurred_to"),
        (_new("Rates fell", about_actor_ids=[unknown]), "about_actor_ids"),
    ):
        async with create_sessionmaker(engine)() as session:
            outcomes = await create_claims(session, [_new("Wages held"), refused], Write("tests"))
            assert outcomes[1].error is not None
            assert outcomes[1].error.errors[0].field == field
            assert await session.scalar(select(func.count()).select_from(Claim)) == 0
            await session.rollback()
