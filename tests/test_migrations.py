"""Migrations run up, down and up again, and leave a schema identical to the models."""

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app import migrate
from app.auth import keys
from app.db.engines import create_engine, create_sessionmaker
from app.demo.loader import Loader, demo_lines
from app.history import changelog, recorder
from app.main import create_app
from app.migrate import SchemaNotCurrent
from app.models import Base, SourceOrigin
from app.models.search import include_object, is_search_object
from app.settings import Settings
from tests.conftest import client_for
from tests.questions.helpers import full_text_rows, link_lists, word_lists

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    """The model tables present (search tables are the migrations' own, checked apart)."""
    names = set(inspect(connection).get_table_names()) - {"alembic_version"}
    return {name for name in names if not is_search_object(name, "table")}


def _all_tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_downgrade_upgrade_matches_models(new_database: NewDatabase) -> None:
    async with new_database() as url:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            async with engine.connect() as conn:
                assert await conn.run_sync(_tables) == set(Base.metadata.tables)
                assert await conn.run_sync(_diff) == []
            await migrate.downgrade(engine, "base")
            async with engine.connect() as conn:
                assert await conn.run_sync(_all_tables) == set()
            assert await migrate.current_revision(engine) is None
            await migrate.upgrade(engine)
            async with engine.connect() as conn:
                assert await conn.run_sync(_diff) == []
            assert await migrate.current_revision(engine) == migrate.head_revision()
        finally:
            await engine.dispose()


async def _with_demo(engine: AsyncEngine) -> None:
    """Migrate to head and load the worked example."""
    await migrate.upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        await Loader(session, by="test").load(demo_lines())
        await session.commit()


@asynccontextmanager
async def _api(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app serving `url`."""
    app: FastAPI = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app), client_for(app) as http:
        yield http


async def _listed(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every claim, as the claim list gives it."""
    r = await http.get("/v1/claims", params={"limit": 500})
    items: list[dict[str, Any]] = r.json()["items"]
    return items


Lists = Callable[[AsyncEngine], Awaitable[tuple[list[Any], list[Any]]]]


async def _same_after_down_and_up(
    new_database: NewDatabase,
    read: Callable[[httpx.AsyncClient], Awaitable[dict[str, Any]]],
    revision: str,
    dropped: str | None = None,
    kept: tuple[Lists, int] | None = None,
) -> dict[str, Any]:
    """What `read` answers over the worked example: the same after going down to `revision`
    (which drops the table `dropped`) and up again. On PostgreSQL, `kept`'s rows (held,
    wanted) then match, and there are more than its count of them."""
    async with new_database() as url:
        engine = create_engine(url)
        try:
            await _with_demo(engine)
            async with _api(url) as http:
                before = await read(http)
            await migrate.downgrade(engine, revision)
            if dropped is not None:
                async with engine.connect() as conn:
                    assert dropped not in await conn.run_sync(_all_tables)
            await migrate.upgrade(engine)
            async with _api(url) as http:
                assert await read(http) == before
            if kept is not None and engine.dialect.name == "postgresql":
                lists, minimum = kept
                held, wanted = await lists(engine)
                assert held == wanted
                assert len(held) > minimum
        finally:
            await engine.dispose()
    return before


async def _summaries(http: httpx.AsyncClient) -> dict[str, Any]:
    """Every claim's summary, as GET /v1/claims/{id} answers it."""
    return {
        c["id"]: (await http.get(f"/v1/claims/{c['id']}")).json()["summary"]
        for c in await _listed(http)
    }


@pytest.mark.slow
async def test_tallies_are_filled_from_the_stances_on_upgrade(new_database: NewDatabase) -> None:
    """0005 builds the summary tallies of stances written before it: the worked example's
    summaries read the same after going down to 0004 (tallies dropped) and up again."""
    before = await _same_after_down_and_up(new_database, _summaries, "0004_indexes")
    assert len(before) > 5
    assert any(s["by_side"]["support"]["actors"] > 1 for s in before.values())
    assert any(s["support_probability"] for s in before.values())


async def _word_searches(http: httpx.AsyncClient) -> dict[str, Any]:
    """The claims every word of the claims' statements finds, a page of two at a time."""
    listed = await _listed(http)
    words = {w for c in listed for w in re.findall(r"[a-z]{4,}", c["statement"].lower())}
    found = {}
    for word in sorted(words):
        r = await http.get("/v1/claims", params={"q": word, "limit": 2})
        found[word] = [c["id"] for c in r.json()["items"]]
    return found


@pytest.mark.slow
async def test_word_lists_are_filled_from_the_claims_on_upgrade(
    new_database: NewDatabase,
) -> None:
    """0007 (PostgreSQL) builds the word lists of claims written before it: one-word searches
    over the worked example find the same first pages after going down to 0006 and up again,
    and the first page of a common word is full. Every word of every statement is listed,
    with its score."""
    before = await _same_after_down_and_up(
        new_database, _word_searches, "0006_relevance", "claim_terms", (word_lists, 100)
    )
    assert len(before) > 20
    assert sum(len(found) == 2 for found in before.values()) > 5


@pytest.mark.slow
async def test_full_text_rows_are_mapped_on_upgrade(
    new_database: NewDatabase, backend: str
) -> None:
    """0020 (SQLite) maps the claims and quoted stances written before it to their full-text
    rows and numbers the trigram table's rows as the word table's. Before 0010 made the
    trigram table, an edited statement moved to the word table's end; 0010 then numbered the
    trigram rows in the claims' order. After going down to 0009 with the worked example,
    editing a statement there, and up again, every statement and quote is reached through
    the map, in both claim tables."""
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's search needs no full-text tables")
    async with new_database() as url:
        engine = create_engine(url)
        try:
            await _with_demo(engine)
            await migrate.downgrade(engine, "0010_secrets")
            async with engine.begin() as conn:
                first = (await conn.execute(text("SELECT min(id) FROM claims"))).scalar_one()
                await conn.execute(
                    text("UPDATE claims SET statement = 'Owls hunt at dawn' WHERE id = :id"),
                    {"id": first},
                )
            await migrate.upgrade(engine)
            held, wanted = await full_text_rows(engine)
            assert held == wanted
            assert ("trigrams", first, "Owls hunt at dawn") in held
            assert len(held) > 40
        finally:
            await engine.dispose()


async def _listed_links(http: httpx.AsyncClient) -> dict[str, Any]:
    """Every claim's tags and subjects, as the claim list gives them."""
    return {c["id"]: (c["tags"], c["about_actor_ids"]) for c in await _listed(http)}


@pytest.mark.slow
async def test_link_arrays_are_filled_from_the_claims_on_upgrade(
    new_database: NewDatabase,
) -> None:
    """0008 (PostgreSQL) builds the link arrays of claims written before it: the worked
    example's claims list the same tags and subjects after going down to 0007 and up again."""
    before = await _same_after_down_and_up(
        new_database, _listed_links, "0007_terms", "claim_links", (link_lists, 5)
    )
    assert sum(bool(tags) for tags, _ in before.values()) > 5
    assert sum(bool(about) for _, about in before.values()) > 5


async def test_app_refuses_a_database_that_is_behind(new_database: NewDatabase) -> None:
    async with new_database() as url:
        app: FastAPI = create_app(Settings(database_url=url))
        try:
            with pytest.raises(SchemaNotCurrent, match="claimgraph db upgrade"):
                async with app.router.lifespan_context(app):
                    pass
        finally:
            await app.state.engine.dispose()


async def test_readyz_reports_a_database_that_is_behind(new_database: NewDatabase) -> None:
    async with new_database() as url:
        app: FastAPI = create_app(Settings(database_url=url))
        try:
            async with client_for(app) as http:
                r = await http.get("/readyz")
            assert r.status_code == 503
            assert "claimgraph db upgrade" in r.json()["reason"]
        finally:
            await app.state.engine.dispose()


async def _origins(engine: AsyncEngine) -> list[tuple[Any, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(SourceOrigin.source_id, SourceOrigin.origin_id))
        return sorted((str(s), str(o)) for s, o in rows)


async def test_source_origins_are_filled_from_the_citations_on_upgrade(
    new_database: NewDatabase,
) -> None:
    """0011 fills each source's origins from the citations recorded before it: a chain, two
    copies of one story, and a loop that no citation leaves hold the same rows after going
    down to 0010_similarity (table dropped) and up again."""
    async with new_database() as url:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            async with _api(url) as http:
                key = await _admin_key(engine)
                http.headers["Authorization"] = f"Bearer {key}"
                made = []
                for i in range(6):
                    r = await http.post("/v1/sources", json={"kind": "report", "title": f"s{i}"})
                    made.append(r.json()["id"])
                for a, b in [(1, 0), (2, 1), (3, 1), (4, 5), (5, 4)]:
                    r = await http.post(
                        f"/v1/sources/{made[a]}/citations", json={"cited_source_id": made[b]}
                    )
                    assert r.status_code == 201, r.text
            before = await _origins(engine)
            assert len(before) == 5
            await migrate.downgrade(engine, "0010_similarity")
            async with engine.connect() as conn:
                assert "source_origins" not in await conn.run_sync(_all_tables)
            await migrate.upgrade(engine)
            assert await _origins(engine) == before
        finally:
            await engine.dispose()


async def _admin_key(engine: AsyncEngine) -> str:
    async with create_sessionmaker(engine)() as session:
        made = await keys.create_key(session, name="migrations", scope=keys.Scope.admin)
        await session.commit()
    return made.key


async def _feed(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The whole change feed."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500}
    while page := (await http.get("/v1/changes", params=params)).json():
        if not page["items"]:
            return items
        items += page["items"]
        params["since"] = page["next_cursor"]
    return items


async def _create_afters(engine: AsyncEngine) -> dict[str, Any]:
    """Each create's stored `after` (None when not stored), by change id."""
    async with engine.connect() as conn:
        found = (
            await conn.execute(text("SELECT id, after FROM changes WHERE action = 'create'"))
        ).all()
    return {i: json.loads(a) if isinstance(a, str) else a for i, a in found}


@pytest.mark.slow
async def test_creates_drop_the_snapshots_the_history_reads_back(
    new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0012 empties the `after` of the creates whose record as created the history reads back,
    and the history answers byte for byte as before; going down writes them back."""
    # Every create keeps its snapshot, as before 0012 (the recorder's and the change log's).
    for module in (recorder, changelog):
        monkeypatch.setattr(module, "derivable", lambda entity, after: False)
    async with new_database() as url:
        engine = create_engine(url)
        try:
            await _with_demo(engine)
            key = await _admin_key(engine)
            async with _api(url) as http:
                http.headers["Authorization"] = f"Bearer {key}"
                actors = [
                    (await http.post("/v1/actors", json=body)).json()
                    for body in (
                        {"kind": "person", "name": "Ana", "aliases": ["A.", "Ann"]},
                        {"kind": "person", "name": "Bo", "external_ids": {"wikidata": "Q2"}},
                        {"kind": "person", "name": "Cy", "external_ids": {"a": "1", "b": "2"}},
                    )
                ]
                source = {"kind": "report", "title": "R", "author_ids": [a["id"] for a in actors]}
                made = [(await http.post("/v1/sources", json=source)).json()]
                made.append((await http.post("/v1/sources", json={**source, "title": "S"})).json())
                r = await http.post(
                    f"/v1/sources/{made[1]['id']}/citations",
                    json={"cited_source_id": made[0]["id"]},
                )
                assert r.status_code == 201, r.text
                for i, tags in enumerate((["a", "b"], ["x-y", "xy"], [])):
                    claim = {
                        "statement": f"Claim {i}",
                        "tags": tags,
                        "about_actor_ids": [actors[i]["id"]],
                    }
                    r = await http.post("/v1/claims", json=claim)
                    assert r.status_code == 201, r.text
                    stance = {
                        "claim_id": r.json()["id"],
                        "actor_id": actors[i]["id"],
                        "source_id": made[0]["id"],
                        "label": "likely",
                        "stated_at": "2024-05-06T07:08:09.25Z",
                    }
                    assert (await http.post("/v1/stances", json=stance)).status_code == 201
                claims = await _listed(http)
                for claim in claims[:3]:
                    r = await http.patch(f"/v1/claims/{claim['id']}", json={"tags": ["changed"]})
                    assert r.status_code == 200, r.text
                stance = (await http.get("/v1/stances", params={"limit": 1})).json()["items"][0]
                assert (await http.delete(f"/v1/stances/{stance['id']}")).status_code == 204
                before = await _feed(http)
            full = await _create_afters(engine)
            assert len(full) > 10
            assert all(after is not None for after in full.values())

            await migrate.downgrade(engine, "0011_origins")
            assert await _create_afters(engine) == full
            await migrate.upgrade(engine)
            lean = await _create_afters(engine)
            kept = {i for i, after in lean.items() if after is not None}
            assert 2 <= len(kept) < len(full) / 2, (len(kept), len(full))
            async with _api(url) as http:
                assert json.dumps(await _feed(http)) == json.dumps(before)

            await migrate.downgrade(engine, "0011_origins")
            restored = await _create_afters(engine)
            by_id = {c["id"]: c for c in before}
            for change_id, after in restored.items():
                assert json.dumps(after) == json.dumps(by_id[change_id]["after"])
            await migrate.upgrade(engine)
            async with _api(url) as http:
                assert json.dumps(await _feed(http)) == json.dumps(before)
        finally:
            await engine.dispose()
