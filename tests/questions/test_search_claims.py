"""GET /v1/claims: full-text search over statements and quotes, filters, sorts, cursors."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app.claims import search
from tests.conftest import client_for, field_errors, problem
from tests.factories import import_records, make_actor, make_claim, make_source
from tests.questions.conftest import admin_client, own_app
from tests.questions.helpers import Json, full_text_rows, ids, stance, word_lists
from tests.reading import walk

Ids = dict[str, uuid.UUID]


@dataclass
class Corpus:
    """Four claims with known words, stances and tags, and the actors behind them."""

    troops: Json
    engineers: Json
    satellite: Json
    talks: Json
    alice: Json
    bob: Json
    carol: Json

    def name(self, claim_id: str) -> str:
        return next(
            n for n in ("troops", "engineers", "satellite", "talks") if self[n]["id"] == claim_id
        )

    def __getitem__(self, name: str) -> Json:
        value: Json = getattr(self, name)
        return value


async def build_corpus(client: httpx.AsyncClient) -> Corpus:
    """The corpus, recorded through the API."""
    alice = await make_actor(client, name="Alice")
    bob = await make_actor(client, name="Bob")
    carol = await make_actor(client, name="Carol")
    source = await make_source(client)
    troops = await make_claim(
        client,
        statement="Soldiers are deployed along the northern frontier",
        tags=["army", "north"],
        about_actor_ids=[alice["id"]],
    )
    engineers = await make_claim(
        client, statement="Engineers assist artillery crews with KN-23 launchers", tags=["army"]
    )
    satellite = await make_claim(client, statement="The satellite launch failed", tags=["space"])
    talks = await make_claim(client, statement="Talks resumed in Geneva", tags=["diplomacy"])
    await stance(
        client,
        troops,
        alice,
        source,
        "asserted",
        "2024-01-05T00:00:00Z",
        quote="soldiers stand on the frontier",
    )
    await stance(
        client, troops, bob, source, "denied", "2024-03-01T00:00:00Z", quote="there are none"
    )
    await stance(
        client,
        engineers,
        carol,
        source,
        "likely",
        "2024-02-01T00:00:00Z",
        quote="engineers have been deployed to help the gunners",
    )
    await stance(
        client,
        satellite,
        alice,
        source,
        "reported",
        "2024-04-01T00:00:00Z",
        quote="the launch reportedly failed",
    )
    await stance(client, satellite, bob, source, "questioned", "2024-04-02T00:00:00Z")
    await stance(
        client,
        satellite,
        carol,
        source,
        "denied",
        "2024-06-01T00:00:00Z",
        retracted_at="2024-06-10T00:00:00Z",
        quote="deployed nothing, a retracted remark",
    )
    return Corpus(troops, engineers, satellite, talks, alice, bob, carol)


@pytest.fixture(scope="module")
async def corpus_app(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[FastAPI, Corpus]]:
    """An app of its own holding the corpus (built once per backend; tests only read it)."""
    async with (
        own_app(backend, tmp_path_factory, "corpus") as application,
        admin_client(application) as http,
    ):
        yield application, await build_corpus(http)


@pytest.fixture
async def reader(corpus_app: tuple[FastAPI, Corpus]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the corpus app."""
    async with client_for(corpus_app[0]) as http:
        yield http


@pytest.fixture
def corpus(corpus_app: tuple[FastAPI, Corpus]) -> Corpus:
    return corpus_app[1]


async def found(client: httpx.AsyncClient, corpus: Corpus, **params: Any) -> list[str]:
    """The names of the claims a search finds, in its order."""
    return [corpus.name(i["id"]) for i in await walk(client, "/v1/claims", **params)]


class TestSearchClaims:
    async def test_stemming_finds_statements_and_quotes(
        self, reader: httpx.AsyncClient, corpus: Corpus
    ) -> None:
        # "deploy" finds "deployed" in troops' statement and in the engineers' quote; the
        # retracted quote on satellite still counts for text (it is on the record).
        assert set(await found(reader, corpus, q="deploy")) == {"troops", "engineers", "satellite"}
        assert await found(reader, corpus, q="failing") == ["satellite"]
        # Porter stems "launches" to "launch" (not "launchers", which stays "launcher").
        assert await found(reader, corpus, q="LAUNCHES") == ["satellite"]

    async def test_every_word_must_match(self, reader: httpx.AsyncClient, corpus: Corpus) -> None:
        assert await found(reader, corpus, q="deployed soldiers") == ["troops"]
        assert await found(reader, corpus, q="frontier soldiers northern") == ["troops"]
        assert await found(reader, corpus, q="deployed geneva") == []
        assert await found(reader, corpus, q="the satellite") == ["satellite"]

    async def test_accents_case_and_punctuation_in_the_text_are_ignored(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(
            client, statement="Officials in Genève confirmed the KN-23's range: 3.5 km (e-mail)"
        )
        for q in ("geneve", "GENÈVE", "kn 23", "KN-23", "3.5", "3 5", "range km", "e mail"):
            assert ids(await walk(client, "/v1/claims", q=q)) == [claim["id"]], q
        for q in ("kn23", "35", "email", "gene"):
            assert await walk(client, "/v1/claims", q=q) == [], q

    async def test_porter_stemming_conflates_inflections(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client, statement="Launches failed while troops were deploying")
        for q in ("launch", "launched", "fail", "fails", "failing", "deploy", "deployed", "troop"):
            assert ids(await walk(client, "/v1/claims", q=q)) == [claim["id"]], q
        for q in ("launcher", "failure", "deployment"):
            assert await walk(client, "/v1/claims", q=q) == [], q

    async def test_statement_match_ranks_above_quote_only_match(
        self, reader: httpx.AsyncClient, corpus: Corpus
    ) -> None:
        # Statement matches score 1 + 1/(1 + its length), quote-only matches 1/(1 + the best
        # quote's length): the shorter text is the more focused match.
        items = await walk(reader, "/v1/claims", q="deployed")
        statement = "Soldiers are deployed along the northern frontier"
        quotes = ("deployed nothing, a retracted remark", "engineers have been deployed to help")
        assert [(corpus.name(i["id"]), i["score"]) for i in items] == [
            ("troops", round(1 + 1 / (1 + len(statement)), 6)),
            ("satellite", round(1 / (1 + len(quotes[0])), 6)),
            ("engineers", round(1 / (1 + len(quotes[1] + " the gunners")), 6)),
        ]

    async def test_statement_match_outranks_a_quote_repeating_the_word(
        self, client: httpx.AsyncClient
    ) -> None:
        # Adversarial for a corpus-weighted score (BM25): the word is common among statements
        # and rare among quotes, and the quote repeats it. Statement matches still come first.
        source, actor = await make_source(client), await make_actor(client)
        in_statement = await make_claim(
            client,
            statement="Observers on the ridge reported that a long supply convoy crossed the "
            "river during the night, escorted by several armoured vehicles",
        )
        short = []
        for n in range(4):
            short.append(await make_claim(client, statement=f"Convoy number {n} was sighted"))
            await stance(client, short[-1], actor, source, "asserted", quote=f"we saw vehicle {n}")
        in_quote = await make_claim(client, statement="Supplies reached the front")
        await stance(client, in_quote, actor, source, "asserted", quote="convoy after convoy")
        items = await walk(client, "/v1/claims", q="convoy", limit=4)
        expected = [c["id"] for c in reversed(short)] + [in_statement["id"], in_quote["id"]]
        assert ids(items) == expected  # equal scores: the newest claim first

    async def test_relevance_is_the_default_order_with_q(
        self, reader: httpx.AsyncClient, corpus: Corpus
    ) -> None:
        assert await found(reader, corpus, q="deployed") == await found(
            reader, corpus, q="deployed", sort="relevance"
        )

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ('"deployed', {"troops", "engineers", "satellite"}),
            ("deployed*", {"troops", "engineers", "satellite"}),
            ("-deployed", {"troops", "engineers", "satellite"}),
            ("deployed)", {"troops", "engineers", "satellite"}),
            ("^deployed", {"troops", "engineers", "satellite"}),
            ("NEAR(soldiers deployed", set()),  # "near" is a word like any other
            ("soldiers OR geneva", set()),  # so is "or": every word must match
            ("statement:soldiers", set()),
            ("soldiers:", {"troops"}),
            ("soldiers AND", set()),
            ("KN-23", {"engineers"}),
            ("kn 23", {"engineers"}),
            ("soldiers' & | ! ( ) <-> frontier", {"troops"}),
            ("{soldiers} [frontier] %_%", {"troops"}),
            ("Gèneva", {"talks"}),  # accents are ignored
        ],
    )
    async def test_query_syntax_is_taken_as_plain_words(
        self, reader: httpx.AsyncClient, corpus: Corpus, q: str, expected: set[str]
    ) -> None:
        r = await reader.get("/v1/claims", params={"q": q})
        assert r.status_code == 200, r.text
        assert {corpus.name(i["id"]) for i in r.json()["items"]} == expected

    @pytest.mark.parametrize("q", ["", "   ", "!!!", '""', "-", "*", "()"])
    async def test_q_without_a_word_is_422(self, reader: httpx.AsyncClient, q: str) -> None:
        r = await reader.get("/v1/claims", params={"q": q})
        assert "q" in field_errors(problem(r, 422))

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"actor_id": "alice"}, {"troops", "satellite"}),
            ({"actor_id": "carol"}, {"engineers"}),  # carol's satellite denial is retracted
            ({"side": "support"}, {"troops", "engineers"}),
            ({"side": "dispute"}, {"troops", "satellite"}),
            ({"side": "neutral"}, {"satellite"}),
            ({"label": "denied"}, {"troops"}),
            ({"label": "confirmed"}, set()),
            ({"contested": "true"}, {"troops"}),
            ({"contested": "false"}, {"engineers", "satellite", "talks"}),
            ({"tag": "army"}, {"troops", "engineers"}),
            ({"tag": "diplomacy"}, {"talks"}),
            ({"about_actor_id": "alice"}, {"troops"}),
            ({"about_actor_id": "bob"}, set()),
            ({"since": "2024-03-01T00:00:00Z"}, {"troops", "satellite"}),
            ({"until": "2024-01-31T00:00:00Z"}, {"troops"}),
            ({"since": "2024-01-15T00:00:00Z", "until": "2024-02-15T00:00:00Z"}, {"engineers"}),
            ({"since": "2024-06-01T00:00:00Z"}, set()),  # only a retracted stance is that late
            ({"actor_id": "bob", "side": "dispute"}, {"troops", "satellite"}),
            ({"actor_id": "bob", "label": "questioned"}, {"satellite"}),
            ({"actor_id": "alice", "side": "dispute"}, set()),  # one stance must match all
            ({"actor_id": "alice", "until": "2024-02-01T00:00:00Z"}, {"troops"}),
            ({"q": "deployed", "contested": "true"}, {"troops"}),
            ({"q": "deployed", "tag": "army"}, {"troops", "engineers"}),
            ({"q": "deployed", "actor_id": "carol"}, {"engineers"}),
            ({"tag": "army", "side": "support", "since": "2024-01-20T00:00:00Z"}, {"engineers"}),
            ({"tag": "army", "contested": "false", "label": "likely"}, {"engineers"}),
            ({"tag": "space", "about_actor_id": "alice"}, set()),
        ],
    )
    async def test_filters(
        self, reader: httpx.AsyncClient, corpus: Corpus, params: dict[str, str], expected: set[str]
    ) -> None:
        resolved = {
            k: corpus[v]["id"] if k in ("actor_id", "about_actor_id") else v
            for k, v in params.items()
        }
        assert set(await found(reader, corpus, limit=2, **resolved)) == expected

    async def test_items_carry_their_stance_counts(
        self, reader: httpx.AsyncClient, corpus: Corpus
    ) -> None:
        items = {corpus.name(i["id"]): i for i in await walk(reader, "/v1/claims")}
        assert items["troops"]["stats"] == {
            "support": 1,
            "neutral": 0,
            "dispute": 1,
            "total": 2,
            "contested": True,
            "latest_stated_at": "2024-03-01T00:00:00Z",
        }
        assert items["satellite"]["stats"]["total"] == 2
        assert items["talks"]["stats"]["total"] == 0
        assert items["troops"]["tags"] == ["army", "north"]
        assert items["troops"]["score"] is None

    async def test_sort_orders(self, reader: httpx.AsyncClient, corpus: Corpus) -> None:
        later_first = sorted(("troops", "satellite"), key=lambda n: corpus[n]["id"], reverse=True)
        assert await found(reader, corpus, sort="stances") == [*later_first, "engineers", "talks"]
        # newest: the latest current stance, else (no stances) when the claim was created.
        assert await found(reader, corpus, sort="newest") == [
            "talks",
            "satellite",
            "troops",
            "engineers",
        ]
        assert await found(reader, corpus, sort="created") == [
            "troops",
            "engineers",
            "satellite",
            "talks",
        ]
        assert await found(reader, corpus) == await found(reader, corpus, sort="created")
        assert await found(reader, corpus, contested="false", sort="stances") == [
            "satellite",
            "engineers",
            "talks",
        ]

    async def test_relevance_without_q_is_422(self, reader: httpx.AsyncClient) -> None:
        r = await reader.get("/v1/claims", params={"sort": "relevance"})
        assert "sort" in field_errors(problem(r, 422))
        r = await reader.get("/v1/claims", params={"sort": "oldest"})
        assert "sort" in field_errors(problem(r, 422))

    async def test_cursor_of_another_sort_is_422(
        self, reader: httpx.AsyncClient, corpus: Corpus
    ) -> None:
        first = await reader.get("/v1/claims", params={"sort": "stances", "limit": 1})
        cursor = first.json()["next_cursor"]
        r = await reader.get("/v1/claims", params={"sort": "created", "cursor": cursor})
        assert "cursor" in field_errors(problem(r, 422)) or problem(r, 422)["type"] == (
            "/problems/invalid-cursor"
        )

    async def test_demo_search_finds_the_deployment_claim_first(
        self, demo_client: httpx.AsyncClient, demo_ids: Ids
    ) -> None:
        items = await walk(demo_client, "/v1/claims", q="personnel are deployed")
        assert items[0]["id"] == str(demo_ids["nk-personnel-deployed"])
        contested = await walk(demo_client, "/v1/claims", contested="true", sort="stances")
        assert [i["id"] for i in contested][:1] == [str(demo_ids["nk-personnel-deployed"])]


# Stance count and day of each claim's stances: ties in counts, in dates and in relevance.
PAGE_PLAN = [(0, None), (2, "03"), (1, "01"), (2, "03"), (0, None), (1, "02"), (3, "03")]
PAGE_PLAN += [(1, "01"), (2, "02"), (1, "03"), (0, None)]


@dataclass
class Paged:
    client: httpx.AsyncClient
    claims: list[Json]  # in PAGE_PLAN's order (and creation order)

    def expected(self, sort: str) -> list[str]:
        """The claim ids in the order `sort` must give, worked out from the plan."""
        rows = [
            (c["id"], n, day, c["created_at"])
            for c, (n, day) in zip(self.claims, PAGE_PLAN, strict=True)
        ]
        if sort == "created":
            return [r[0] for r in rows]
        if sort == "stances":
            return [r[0] for r in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)]
        if sort == "newest":  # latest stance, else creation time (later than any stance here)
            key = lambda r: (f"2024-05-{r[2]}" if r[2] else r[3], r[0])  # noqa: E731
            return [r[0] for r in sorted(rows, key=key, reverse=True)]
        # relevance: every statement matches alike (same length, same words): ties by id.
        return sorted((r[0] for r in rows), reverse=True)


@pytest.fixture(scope="module")
async def paged(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Paged]:
    """A client of an app of its own holding the PAGE_PLAN claims (tests only read)."""
    async with (
        own_app(backend, tmp_path_factory, "pages") as application,
        admin_client(application) as client,
    ):
        source = await make_source(client)
        actors = [await make_actor(client) for _ in range(3)]
        claims = []
        for n, (count, day) in enumerate(PAGE_PLAN):
            claim = await make_claim(client, statement=f"Radar unit {n:02d} tracked the convoy")
            for actor in actors[:count]:
                await stance(client, claim, actor, source, "asserted", f"2024-05-{day}T00:00:00Z")
            claims.append(claim)
        yield Paged(client, claims)


class TestSearchPagination:
    """Every sort's cursors walk the whole list in its order: no repeat, no gap, ties broken
    by id (newest first)."""

    @pytest.mark.parametrize("sort", ["created", "newest", "stances", "relevance"])
    @pytest.mark.parametrize("limit", [1, 2, 3, 500])
    async def test_pages_walk_the_whole_order(self, paged: Paged, sort: str, limit: int) -> None:
        params: dict[str, Any] = {"sort": sort}
        if sort == "relevance":
            params["q"] = "convoy radar"
        got = await walk(paged.client, "/v1/claims", limit=limit, **params)
        assert ids(got) == paged.expected(sort)

    @pytest.mark.parametrize("walk_size", [1, 3])
    @pytest.mark.parametrize("limit", [1, 2, 5])
    async def test_where_the_statement_walk_ends_does_not_change_the_pages(
        self, paged: Paged, monkeypatch: pytest.MonkeyPatch, walk_size: int, limit: int
    ) -> None:
        """PostgreSQL walks the relevance index a bounded way (STATEMENT_WALK claims), then
        ranks every match if the walk did not fill the page: the pages are the same."""
        monkeypatch.setattr(search, "STATEMENT_WALK", walk_size)
        got = await walk(paged.client, "/v1/claims", limit=limit, q="convoy radar")
        assert ids(got) == paged.expected("relevance")
        one = await walk(paged.client, "/v1/claims", limit=limit, q="unit 07")
        assert ids(one) == [paged.claims[7]["id"]]

    async def test_relevance_scores_tie(self, paged: Paged) -> None:
        got = await walk(paged.client, "/v1/claims", limit=4, q="convoy")
        assert len({i["score"] for i in got}) == 1
        assert ids(got) == paged.expected("relevance")


class TestOneWordSearch:
    """A one-word search reads its page from the word's own list on PostgreSQL (kept by
    triggers on `claims`): the pages follow the statements as they are written, edited and
    deleted, as on SQLite."""

    STATEMENTS: ClassVar[list[str]] = [
        "Falcon drones crossed the river near the old mill at dawn",
        "Falcon drones crossed the river",
        "Falcon drones crossed the river near the mill",
        "Falcon drones were seen",
    ]

    async def test_pages_come_shortest_statement_first(self, client: httpx.AsyncClient) -> None:
        claims = [await make_claim(client, statement=s) for s in self.STATEMENTS]
        expected = [c["id"] for c in sorted(claims, key=lambda c: len(c["statement"]))]
        for limit in (1, 2, 3, 500):
            assert ids(await walk(client, "/v1/claims", limit=limit, q="falcon")) == expected

    async def test_an_edited_statement_is_found_by_its_new_words_only(
        self, client: httpx.AsyncClient
    ) -> None:
        for s in self.STATEMENTS:
            await make_claim(client, statement=s)
        other = await make_claim(client, statement="A heron was spotted over the harbour")
        r = await client.patch(f"/v1/claims/{other['id']}", json={"statement": "Falcon seen"})
        assert r.status_code == 200, r.text
        # The shortest statement now: first on the first page of one.
        first = (await client.get("/v1/claims", params={"q": "falcon", "limit": 1})).json()
        assert ids(first["items"]) == [other["id"]]
        assert await walk(client, "/v1/claims", limit=1, q="heron") == []
        # Edits that leave the statement keep its words.
        r = await client.patch(f"/v1/claims/{other['id']}", json={"tags": ["birds"]})
        assert r.status_code == 200, r.text
        first = (await client.get("/v1/claims", params={"q": "falcon", "limit": 1})).json()
        assert ids(first["items"]) == [other["id"]]
        assert (await client.delete(f"/v1/claims/{other['id']}")).status_code == 204
        found = await walk(client, "/v1/claims", limit=1, q="falcon")
        assert other["id"] not in ids(found)
        assert len(found) == len(self.STATEMENTS)

    async def edited(self, client: httpx.AsyncClient) -> list[Json]:
        """The claims of STATEMENTS after writes through the API and an import: the first's
        statement changed, the third deleted, a new claim imported and the fourth updated;
        stances on the first three quoted, their quotes changed, removed and deleted."""
        claims = [await make_claim(client, statement=s) for s in self.STATEMENTS]
        actor, source = await make_actor(client), await make_source(client)
        quoted = [
            await stance(client, claims[i], actor, source, label, quote=f"Falcons {i}")
            for i, label in enumerate(("confirmed", "denied", "highly_likely"))
        ]
        await client.patch(f"/v1/claims/{claims[0]['id']}", json={"statement": "Owls hunt"})
        await client.patch(f"/v1/stances/{quoted[0]['id']}", json={"quote": "Owls"})
        await client.patch(f"/v1/stances/{quoted[1]['id']}", json={"quote": None})
        assert (await client.delete(f"/v1/stances/{quoted[2]['id']}")).status_code == 204
        assert (await client.delete(f"/v1/claims/{claims[2]['id']}")).status_code == 204
        records = [
            {"type": "claim", "key": "a", "statement": "Kestrels nest in the tower"},
            {"type": "claim", "key": "b", "statement": claims[3]["statement"], "tags": ["x"]},
        ]
        await import_records(client, records)
        return claims

    async def test_the_word_lists_match_the_statements(
        self, client: httpx.AsyncClient, backend: str, engine: AsyncEngine
    ) -> None:
        """PostgreSQL: after writes through the API and an import (new claims and updated
        ones), `claim_terms` holds exactly the words of the statements there are."""
        if backend != "postgresql":
            pytest.skip("PostgreSQL only: SQLite searches its FTS5 index")
        claims = await self.edited(client)
        held, wanted = await word_lists(engine)
        assert held == wanted
        by_claim = {str(claim_id): set() for _, _, claim_id in held}
        for lexeme, _, claim_id in held:
            by_claim[str(claim_id)].add(lexeme)
        assert by_claim[claims[0]["id"]] == {"owl", "hunt"}  # the old words went
        assert claims[2]["id"] not in by_claim
        assert len(by_claim) == len(self.STATEMENTS)  # three left, and the imported one

    async def test_the_full_text_rows_match_the_statements_and_quotes(
        self, client: httpx.AsyncClient, backend: str, engine: AsyncEngine
    ) -> None:
        """SQLite: after the same writes, the full-text tables hold each statement and quote
        there is once, where the id-to-row tables say."""
        if backend != "sqlite":
            pytest.skip("SQLite only: PostgreSQL keeps its word lists in `claim_terms`")
        claims = await self.edited(client)
        held, wanted = await full_text_rows(engine)
        assert held == wanted
        assert ("words", uuid.UUID(claims[0]["id"]).hex, "Owls hunt") in held
        assert len(wanted) == 2 * (2 * len(self.STATEMENTS) + 1)
