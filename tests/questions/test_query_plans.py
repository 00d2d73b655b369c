"""The questions' queries are index-backed: every SELECT an endpoint emits is EXPLAINed on a
seeded database, and none may read `stances` in full (PostgreSQL: no Seq Scan, nor an Index Scan
with no Index Cond that no Limit stops; SQLite: no SCAN, with or without an index)."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.conftest import client_for
from tests.questions.conftest import own_app
from tests.questions.plans import (
    QUESTIONS,
    Plan,
    Question,
    Seeded,
    captured,
    explain,
    seed,
    touches,
)


@pytest.fixture(scope="session")
async def seeded_app(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[FastAPI, Seeded]]:
    """The app on its own database, seeded with thousands of stances and analyzed."""
    async with own_app(backend, tmp_path_factory, "plans") as application:
        yield application, await seed(application.state.engine)


async def plans_of(
    seeded_app: tuple[FastAPI, Seeded],
    question: Question,
    table: str = "stances",
    *,
    index_if_any: bool = False,
) -> list[Plan]:
    """The plans of the statements reading `table` that one request runs."""
    application, seeded = seeded_app
    engine = application.state.engine
    # GET requests read through the query engine where there is one (PostgreSQL).
    reader = getattr(application.state, "query_engine", engine)
    async with client_for(application) as client:
        with captured(reader) as statements:
            r = await client.get(question(seeded))
            assert r.status_code == 200, r.text
    return [
        await explain(engine, s, p, index_if_any=index_if_any)
        for s, p in statements
        if touches(s, table)
    ]


class TestQueryPlans:
    @pytest.mark.parametrize("name", list(QUESTIONS))
    async def test_no_full_scan_of_stances(
        self, seeded_app: tuple[FastAPI, Seeded], name: str
    ) -> None:
        for plan in await plans_of(seeded_app, QUESTIONS[name]):
            assert not plan.full_scans("stances"), "\n".join([plan.statement, "", *plan.lines])

    async def test_claim_stances_by_side_use_the_claim_side_index(
        self, seeded_app: tuple[FastAPI, Seeded]
    ) -> None:
        plans = await plans_of(seeded_app, QUESTIONS["claim stances by side"])
        assert [p.indexes("stances") for p in plans] == [{"ix_stances_claim_id_side_id"}]

    async def test_actor_stances_use_the_actor_side_index(
        self, seeded_app: tuple[FastAPI, Seeded]
    ) -> None:
        plans = await plans_of(seeded_app, QUESTIONS["actor stances"])
        assert [p.indexes("stances") for p in plans] == [{"ix_stances_actor_id_side_id"}]

    @pytest.mark.parametrize("sort", ["stances", "newest"])
    async def test_contested_claims_are_read_from_claim_stats_in_order(
        self, seeded_app: tuple[FastAPI, Seeded], sort: str
    ) -> None:
        question: Question = lambda s: f"/v1/claims?contested=true&sort={sort}"  # noqa: E731
        assert await plans_of(seeded_app, question) == []  # no stance is read
        listing = (await plans_of(seeded_app, question, "claim_stats"))[0]
        # Read in the sort's order through (contested, key, claim_id), or through (key,
        # claim_id) filtering `contested` when most claims are contested: never sorted.
        key = {"stances": "total", "newest": "activity_at"}[sort]
        assert listing.indexes("claim_stats") <= {
            f"ix_claim_stats_contested_{key}_claim_id",
            f"ix_claim_stats_{key}_claim_id",
        }
        assert listing.indexes("claim_stats"), "\n".join(listing.lines)
        assert not listing.full_scans("claim_stats"), "\n".join(listing.lines)
        assert not listing.sorts(), "\n".join(listing.lines)

    @pytest.mark.parametrize(
        ("name", "index"),
        [
            ("warm claim stances", "ix_stances_claim_id_id"),
            ("warm actor stances", "ix_stances_actor_id_id"),
        ],
    )
    async def test_unfiltered_lists_read_one_page_in_index_order(
        self, seeded_app: tuple[FastAPI, Seeded], name: str, index: str
    ) -> None:
        # Keyset pages of a claim or actor with hundreds of stances read one page's rows in id
        # order, rather than sorting all of its stances for every page. SQLite reads them
        # through (claim_id, id) or (actor_id, id); PostgreSQL at this size may rather walk
        # the primary key (correlated with the table) until a page is full, and takes the
        # index when the claim's stances are a smaller share of a larger table.
        (plan,) = await plans_of(seeded_app, QUESTIONS[name])
        assert not plan.sorts(), "\n".join(plan.lines)
        if seeded_app[0].state.engine.dialect.name == "sqlite":
            assert plan.indexes("stances") == {index}, "\n".join(plan.lines)

    async def test_one_word_is_read_from_its_word_list_in_order(
        self, seeded_app: tuple[FastAPI, Seeded]
    ) -> None:
        """PostgreSQL reads a one-word search's page from `claim_terms` in key order: the
        word's list is not sorted, however many claims hold the word."""
        if seeded_app[0].state.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite searches its FTS5 index")
        (plan,) = await plans_of(seeded_app, QUESTIONS["search by one word"], "claim_terms")
        assert plan.indexes("claim_terms") == {"pk_claim_terms"}, "\n".join(plan.lines)
        assert not plan.full_scans("claim_terms"), "\n".join(plan.lines)
        # The scan's parent is the walk's Limit: read in order and cut, not sorted first.
        at = next(i for i, line in enumerate(plan.lines) if "on claim_terms" in line)
        depth = len(plan.lines[at]) - len(plan.lines[at].lstrip())
        parent = next(
            line.strip()
            for line in reversed(plan.lines[:at])
            if len(line) - len(line.lstrip()) < depth
        )
        assert parent == "Limit", "\n".join(plan.lines)

    async def test_provenance_follows_citations_by_source(
        self, seeded_app: tuple[FastAPI, Seeded]
    ) -> None:
        # The seeded citations are few: PostgreSQL would rather read them whole, so its plans
        # are taken with sequential scans and hash joins priced out, to show an index can.
        plans = await plans_of(seeded_app, QUESTIONS["provenance"], "citations", index_if_any=True)
        assert len(plans) == 1  # the recursive walk, which yields the citations it follows
        for plan in plans:
            assert not plan.full_scans("citations"), "\n".join(plan.lines)
            assert plan.indexes("citations"), "\n".join(plan.lines)
