"""Each source's kept origins (`source_origins`) stay what its citations give, whatever writes
the citations: the API creating and deleting them one by one, or an import."""

import itertools
import random
import uuid
from collections import defaultdict
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engines import create_sessionmaker
from app.models import SourceOrigin
from app.sources import origins
from app.sources.graph import origins_of
from app.sources.origins import rebuild_origins
from tests.factories import make_source
from tests.transfer.helpers import body, imported

Graph = dict[uuid.UUID, set[uuid.UUID]]


def _reach(cites: Graph, start: uuid.UUID) -> set[uuid.UUID]:
    seen, todo = {start}, [start]
    while todo:
        for cited in cites.get(todo.pop(), ()):
            if cited not in seen:
                seen.add(cited)
                todo.append(cited)
    return seen


def reference(cites: Graph) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Origins by their definition, the slow way: a source ends a chain when everything it
    leads to leads back to it; the loop it is then part of (itself alone when it cites
    nothing) is named by its least id. Only sources that cite something are listed."""
    nodes = set(cites) | {c for cited in cites.values() for c in cited}
    reach = {n: _reach(cites, n) for n in nodes}
    ends = {n: min(reach[n]) for n in nodes if all(n in reach[m] for m in reach[n])}
    return {s: {ends[n] for n in reach[s] if n in ends} for s, cited in cites.items() if cited}


def random_graph(rng: random.Random, size: int, edges: int) -> Graph:
    nodes = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(size)]
    cites: Graph = defaultdict(set)
    for _ in range(edges):
        a, b = rng.sample(nodes, 2)
        cites[a].add(b)
    return dict(cites)


def test_origins_match_their_definition_on_random_graphs() -> None:
    """Chains, shared origins, loops that are left and loops that are not, loops in loops."""
    rng = random.Random(7)
    for trial in range(300):
        size = rng.randint(2, 25)
        cites = random_graph(rng, size, rng.randint(1, size * 2))
        found = origins_of(cites)
        assert {s: set(o) for s, o in found.items()} == reference(cites), trial


def test_a_long_chain_needs_no_recursion() -> None:
    chain = [uuid.UUID(int=i + 1) for i in range(20_000)]
    cites: Graph = {a: {b} for a, b in itertools.pairwise(chain)}
    cites[chain[-1]] = {chain[-2]}  # the last two cite each other: a loop no citation leaves
    found = origins_of(cites)
    assert found[chain[0]] == {min(chain[-2:])}


async def kept(engine: AsyncEngine) -> dict[uuid.UUID, set[uuid.UUID]]:
    """The table's rows, by source."""
    out: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    async with engine.connect() as conn:
        for source, origin in await conn.execute(
            select(SourceOrigin.source_id, SourceOrigin.origin_id)
        ):
            out[source].add(origin)
    return dict(out)


async def rebuilt(engine: AsyncEngine) -> dict[uuid.UUID, set[uuid.UUID]]:
    """What rebuilding from every citation writes (rolled back)."""
    async with create_sessionmaker(engine)() as session:
        await rebuild_origins(session)
        connection = await session.connection()
        out: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for source, origin in await connection.execute(
            select(SourceOrigin.source_id, SourceOrigin.origin_id)
        ):
            out[source].add(origin)
        await session.rollback()
    return dict(out)


async def test_origins_follow_citations_created_and_deleted_through_the_api(
    client: httpx.AsyncClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    sources = [await make_source(client) for _ in range(10)]
    ids = [uuid.UUID(s["id"]) for s in sources]
    made: dict[tuple[int, int], str] = {}  # (citing, cited) → citation id
    for step in range(45):
        if made and rng.random() < 0.3:
            (a, b), citation_id = rng.choice(sorted(made.items()))
            r = await client.delete(f"/v1/sources/{sources[a]['id']}/citations/{citation_id}")
            assert r.status_code == 204, r.text
            del made[(a, b)]
        else:
            a, b = rng.sample(range(len(sources)), 2)
            if (a, b) in made:
                continue
            r = await client.post(
                f"/v1/sources/{sources[a]['id']}/citations",
                json={"cited_source_id": sources[b]["id"], "kind": "cites"},
            )
            assert r.status_code == 201, r.text
            made[(a, b)] = r.json()["id"]
        cites: Graph = defaultdict(set)
        for a, b in made:
            cites[ids[a]].add(ids[b])
        assert await kept(engine) == reference(dict(cites)), step
    assert await rebuilt(engine) == await kept(engine)
    # A rebuild reading the citations a few at a time and writing a few rows a statement.
    monkeypatch.setattr(origins, "READ_PAGE", 3)
    monkeypatch.setattr(origins, "WRITE_CHUNK", 4)
    assert len(made) > 3
    assert await rebuilt(engine) == await kept(engine)


async def test_a_deleted_source_takes_its_origins_with_it(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    wire, copy = await make_source(client), await make_source(client)
    r = await client.post(
        f"/v1/sources/{copy['id']}/citations", json={"cited_source_id": wire["id"]}
    )
    assert r.status_code == 201, r.text
    assert await kept(engine) == {uuid.UUID(copy["id"]): {uuid.UUID(wire["id"])}}
    assert (await client.delete(f"/v1/sources/{copy['id']}")).status_code == 204
    assert await kept(engine) == {}


def _records(prefix: str, sources: int, citations: list[tuple[int, int]]) -> list[Any]:
    return [
        *(
            {"type": "source", "key": f"{prefix}{i}", "kind": "report", "title": f"{prefix} {i}"}
            for i in range(sources)
        ),
        *(
            {
                "type": "citation",
                "key": f"{prefix}-c{a}-{b}",
                "source": f"{prefix}{a}",
                "cited": f"{prefix}{b}",
                "kind": "cites",
            }
            for a, b in citations
        ),
    ]


async def test_an_import_keeps_the_origins_of_what_it_cites(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """The importer writes citations in bulk; the origins follow, also for sources of an
    earlier import whose chains a later one extends."""
    first = [(1, 0), (2, 1), (3, 1), (4, 5), (5, 4), (6, 4)]
    await imported(client, body(_records("a", 7, first)))
    assert await kept(engine) == await rebuilt(engine)
    assert len(await kept(engine)) == 6
    # The second import makes the loop a4 <-> a5 cite onwards, so a4, a5 and a6 change.
    second = _records("b", 2, [(1, 0)])
    second.append({"type": "citation", "key": "a5-b1", "source": "a5", "cited": "b1"})
    second = [
        *({"type": "source", "key": f"a{i}", "kind": "report", "title": f"a {i}"} for i in (5,)),
        *second,
    ]
    await imported(client, body(second))
    held = await kept(engine)
    assert held == await rebuilt(engine)
    assert len({frozenset(o) for s, o in held.items()}) == 2  # a0, and b0
