"""create_links: one set-based create for a batch of links of one kind, as the API (a batch of
one) and the import use it; here with batches of several rows, which the API never sends."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.actors.affiliations import AFFILIATIONS
from app.actors.schemas import AffiliationCreate
from app.db.batches import Write
from app.db.engines import create_sessionmaker
from app.links.writes import NewLink, create_links
from app.models import Affiliation, Change
from tests.factories import committed, make_actor
from tests.reading import count_rows


def _new(owner: dict[str, Any], other: dict[str, Any], **fields: Any) -> NewLink[Any]:
    body = {"organization_id": other["id"], "kind": "member_of", **fields}
    return NewLink(uuid.UUID(owner["id"]), AffiliationCreate.model_validate(body))


async def test_a_batch_creates_each_new_link_once_with_its_history(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    a, b, c = [await make_actor(client) for _ in range(3)]
    r = await client.post(
        f"/v1/actors/{a['id']}/affiliations", json={"organization_id": b["id"], "kind": "member_of"}
    )
    stored = r.json()
    changes_before = await count_rows(engine, Change)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch = [
        _new(a, c),
        _new(a, b),  # the stored link's natural key
        _new(a, c),  # the first row's
        _new(a, b, valid_from=start),  # another start: another link
    ]
    async with create_sessionmaker(engine)() as session:
        outcomes = await create_links(session, AFFILIATIONS, batch, Write("tests"))
        # The API's placement refuses repeats; a batch with one writes nothing.
        assert [o.created for o in outcomes] == [True, False, False, True]
        assert [row["id"] for row in outcomes[1].repeats] == [uuid.UUID(stored["id"])]
        assert outcomes[2].repeats == [outcomes[0].values]
        assert await session.scalar(select(func.count()).select_from(Affiliation)) == 1
        await session.rollback()

    refused = [_new(a, a), _new(b, c, valid_from=start, valid_to=datetime(2020, 1, 1, tzinfo=UTC))]
    async with create_sessionmaker(engine)() as session:
        outcomes = await create_links(session, AFFILIATIONS, [batch[0], *refused], Write("tests"))
        assert [o.created for o in outcomes] == [False, False, False]
        errors = [o.error.errors[0] for o in outcomes[1:] if o.error is not None]
        assert [(e.field, e.message) for e in errors] == [
            ("organization_id", "an actor cannot be affiliated with itself"),
            ("valid_to", "must not be before valid_from"),
        ]
        await session.rollback()

    outcomes = await committed(engine, create_links, AFFILIATIONS, [batch[0], batch[3]])
    assert all(o.created and o.error is None for o in outcomes)
    assert await count_rows(engine, Affiliation) == 3
    assert await count_rows(engine, Change) == changes_before + 2
    for outcome in outcomes:
        assert outcome.values is not None
        path = f"/v1/actors/{a['id']}/affiliations/{outcome.values['id']}"
        r = await client.get(path)
        assert r.status_code == 200, r.text
        assert r.json()["created_at"] == r.json()["updated_at"]
    r = await client.get("/v1/changes", params={"entity": "affiliation"})
    creates = [c for c in r.json()["items"] if c["action"] == "create"]
    # A link's create keeps its snapshot (its owner's deletion leaves it no later change).
    assert {c["after"]["organization_id"] for c in creates} == {b["id"], c["id"]}
