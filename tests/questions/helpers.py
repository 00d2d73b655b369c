"""Shared steps for the question tests: read a list end to end, record stances tersely."""

import uuid
from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import field_errors, problem
from tests.factories import make_claim, make_stance
from tests.reading import key_of

Json = dict[str, Any]


def ids(items: list[Json]) -> list[str]:
    """The ids of list items, in order."""
    return [key_of(item) for item in items]


async def stance(
    client: httpx.AsyncClient,
    claim: Json,
    actor: Json,
    source: Json,
    label: str,
    stated_at: str | None = None,
    **over: Any,
) -> Json:
    """Record `actor`'s stance `label` on `claim` in `source`."""
    if stated_at is not None:
        over["stated_at"] = stated_at
    return await make_stance(
        client,
        claim_id=claim["id"],
        actor_id=actor["id"],
        source_id=source["id"],
        label=label,
        **over,
    )


async def refuses_unknown_claim_and_bad_parameter(
    client: httpx.AsyncClient, question: str, parameter: str, value: str
) -> Json:
    """`GET /v1/claims/{id}/{question}` answers 404 for an unknown claim and, for a new claim
    (returned), 422 naming `parameter` when it is `value`."""
    problem(await client.get(f"/v1/claims/{uuid.uuid4()}/{question}"), 404)
    claim = await make_claim(client)
    r = await client.get(f"/v1/claims/{claim['id']}/{question}", params={parameter: value})
    assert parameter in field_errors(problem(r, 422))
    return claim


async def cite(client: httpx.AsyncClient, source: Json, cited: Json, kind: str = "cites") -> Json:
    """Record that `source` cites `cited` (`kind`: cites, quotes, republishes, translates)."""
    r = await client.post(
        f"/v1/sources/{source['id']}/citations", json={"cited_source_id": cited["id"], "kind": kind}
    )
    assert r.status_code == 201, r.text
    data: Json = r.json()
    return data


async def relate(client: httpx.AsyncClient, claim: Json, related: Json, kind: str) -> Json:
    """Record that `claim` relates to `related` (contradicts, supports, refines, same_as)."""
    r = await client.post(
        f"/v1/claims/{claim['id']}/relations",
        json={"related_claim_id": related["id"], "kind": kind},
    )
    assert r.status_code == 201, r.text
    data: Json = r.json()
    return data


async def word_lists(engine: AsyncEngine) -> tuple[list[Any], list[Any]]:
    """PostgreSQL: the rows of `claim_terms` (the search word lists), and the rows the claims'
    statements give (every word, with the claim's score), each sorted."""
    async with engine.connect() as conn:
        held = await conn.execute(text("SELECT lexeme, score, claim_id FROM claim_terms"))
        wanted = await conn.execute(
            text(
                "SELECT w.lexeme, 1 + 1 / (1 + length(c.statement))::float8, c.id"
                " FROM claims AS c, unnest(c.search_vector) AS w"
            )
        )
        return sorted(tuple(r) for r in held), sorted(tuple(r) for r in wanted)


async def full_text_rows(engine: AsyncEngine) -> tuple[list[Any], list[Any]]:
    """SQLite: what the full-text tables hold, each row reached the way the triggers reach it
    (through `claims_fts_rows` and `stances_fts_rows`), and what the rows give (each claim's
    statement twice, once per claim table; each quoted stance's quote), each sorted."""
    async with engine.connect() as conn:
        held = await conn.execute(
            text(
                "SELECT 'words', f.claim_id, f.statement FROM claims_fts_rows AS r"
                " JOIN claims_fts AS f ON f.rowid = r.fts_rowid WHERE f.claim_id = r.claim_id"
                " UNION ALL SELECT 'trigrams', f.claim_id, f.statement FROM claims_fts_rows AS r"
                " JOIN claims_fts_trigram AS f ON f.rowid = r.fts_rowid"
                " WHERE f.claim_id = r.claim_id"
                " UNION ALL SELECT 'quotes', f.stance_id, f.quote FROM stances_fts_rows AS r"
                " JOIN stances_fts AS f ON f.rowid = r.fts_rowid WHERE f.stance_id = r.stance_id"
                " UNION ALL SELECT 'words', claim_id, statement FROM claims_fts"
                " UNION ALL SELECT 'trigrams', claim_id, statement FROM claims_fts_trigram"
                " UNION ALL SELECT 'quotes', stance_id, quote FROM stances_fts"
            )
        )
        wanted = await conn.execute(
            text(
                "SELECT 'words', id, statement FROM claims"
                " UNION ALL SELECT 'trigrams', id, statement FROM claims"
                " UNION ALL SELECT 'quotes', id, quote FROM stances WHERE quote IS NOT NULL"
            )
        )
        return sorted(tuple(r) for r in held), sorted(2 * [tuple(r) for r in wanted])


async def link_lists(engine: AsyncEngine) -> tuple[list[Any], list[Any]]:
    """PostgreSQL: the rows of `claim_links` (each claim's tags and subjects as arrays), and
    the rows `claim_tags` and `claim_subjects` give (claims with neither left out), each
    sorted by claim."""
    async with engine.connect() as conn:
        held = await conn.execute(
            text("SELECT claim_id, tags, about_actor_ids FROM claim_links ORDER BY claim_id")
        )
        tags: dict[Any, list[Any]] = defaultdict(list)
        for claim_id, tag in await conn.execute(
            text("SELECT claim_id, tag FROM claim_tags ORDER BY claim_id, tag")
        ):
            tags[claim_id].append(tag)
        about: dict[Any, list[Any]] = defaultdict(list)
        for claim_id, actor_id in await conn.execute(
            text("SELECT claim_id, actor_id FROM claim_subjects ORDER BY claim_id, position")
        ):
            about[claim_id].append(actor_id)
        wanted = [(c, tags.get(c), about.get(c)) for c in sorted(tags.keys() | about.keys())]
        return [tuple(r) for r in held], wanted
