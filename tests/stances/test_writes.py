"""create_stances: one set-based create for a batch of stances, as the API and the import use
it; here with batches of several rows, which neither the API nor a small import sends."""

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.batches import Write
from app.db.engines import create_sessionmaker
from app.models import Change, ClaimStats, Stance
from app.stances.schemas import StanceCreate
from app.stances.writes import NewStance, create_stances
from tests.factories import committed, make_stance, stance_refs
from tests.reading import count_rows


def _new(refs: dict[str, Any], **fields: Any) -> NewStance:
    data = StanceCreate.model_validate({**refs, "label": "likely", **fields})
    return NewStance(data, published_at=None, text="Prices rose in May, the bank said.")


async def test_a_batch_creates_each_new_stance_once_with_its_history_and_counters(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    refs = await stance_refs(client, "Prices rose", "Bank report")
    stored = await make_stance(client, **refs, label="possible")
    changes_before = await count_rows(engine, Change)
    batch = [
        _new(refs, quote="rose  in May"),  # found in the text, as the source words it
        _new(refs, label="possible"),  # the stored stance's natural key
        _new(refs, quote="rose  in May"),  # the first row's
        _new(refs, label="unlikely", probability=0.3),
    ]
    async with create_sessionmaker(engine)() as session:
        outcomes = await create_stances(session, batch, Write("tests"))
        # The API's placement refuses repeats; a batch with one writes nothing.
        assert [o.created for o in outcomes] == [True, False, False, True]
        assert [r["id"] for r in outcomes[1].repeats] == [uuid.UUID(stored["id"])]
        assert await session.scalar(select(func.count()).select_from(Stance)) == 1
        await session.rollback()

    async with create_sessionmaker(engine)() as session:
        outcomes = await create_stances(session, [batch[0], batch[2], batch[3]], Write("tests"))
        assert [o.created for o in outcomes] == [True, False, True]
        assert outcomes[1].repeats == [outcomes[0].values]
        await session.rollback()

    outcomes = await committed(engine, create_stances, [batch[0], batch[3]])
    assert all(o.created and o.error is None for o in outcomes)
    first = outcomes[0].values
    assert first is not None
    assert (first["quote"], first["quote_start"], first["quote_end"]) == ("rose in May", 7, 18)
    assert first["side"] == "support"
    assert await count_rows(engine, Stance) == 3
    assert await count_rows(engine, Change) == changes_before + 2
    for outcome in outcomes:
        assert outcome.values is not None
        r = await client.get(f"/v1/stances/{outcome.values['id']}")
        assert r.status_code == 200, r.text
        assert r.json()["recorded_by"] == "tests"
        (change,) = (await client.get(f"/v1/stances/{outcome.values['id']}/history")).json()[
            "items"
        ]
        assert change["action"] == "create"
        assert change["after"]["quote"] == outcome.values["quote"]
    async with engine.connect() as conn:
        total = await conn.scalar(
            select(ClaimStats.total).where(ClaimStats.claim_id == uuid.UUID(refs["claim_id"]))
        )
    assert total == 3


async def test_a_batch_with_a_refused_row_writes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    refs = await stance_refs(client, "Rates fell", "Bank note")
    batch = [_new(refs), _new(refs, label="unlikely", quote="not in the text")]
    async with create_sessionmaker(engine)() as session:
        outcomes = await create_stances(session, batch, Write("tests"))
        assert outcomes[0].values is not None
        assert not outcomes[0].created
        assert outcomes[1].error is not None
        assert outcomes[1].error.errors[0].type == "quote-not-in-source"
        assert await session.scalar(select(func.count()).select_from(Stance)) == 0
        await session.rollback()
