"""POST /v1/import: all or nothing, every error by line, idempotent, dry runs."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db import bulk
from app.tallies import stats
from app.transfer import importer
from app.transfer.importer import BATCH_RECORDS
from bench.generate import Dataset
from tests.conftest import field_errors, problem
from tests.transfer.helpers import (
    NDJSON,
    body,
    created,
    export,
    imported,
    lines,
    post,
    report_sources,
    walk,
)

Ids = dict[str, uuid.UUID]
TEXT = "The minister said that troops were \u201cdeployed\u201d near the border."
# Two actors, two claims and a link of each kind between records with these keys (the
# sources, s1 and s2, vary by test).
KREMLIN: dict[str, Any] = {"type": "actor", "key": "a1", "kind": "government", "name": "Kremlin"}
KIM: dict[str, Any] = {"type": "actor", "key": "a2", "kind": "person", "name": "Kim Yong-hyun"}
C1: dict[str, Any] = {"type": "claim", "key": "c1", "statement": "Troops are deployed"}
C2: dict[str, Any] = {"type": "claim", "key": "c2", "statement": "Troops have left"}
LINK: dict[str, Any] = {
    "type": "affiliation",
    "actor": "a2",
    "organization": "a1",
    "kind": "member_of",
}
CITE: dict[str, Any] = {"type": "citation", "source": "s1", "cited": "s2", "kind": "cites"}
RELATE: dict[str, Any] = {
    "type": "claim_relation",
    "claim": "c1",
    "related": "c2",
    "kind": "contradicts",
}


def minimal() -> list[dict[str, Any]]:
    return [
        {"type": "actor", "key": "a1", "kind": "government", "name": "Kremlin"},
        {"type": "actor", "key": "a2", "kind": "person", "name": "Kim Yong-hyun"},
        {
            "type": "source",
            "key": "s1",
            "kind": "news_article",
            "title": "Troops",
            "url": "https://news.example.org/troops",
            "publisher": None,
            "text": TEXT,
            "published_at": "2024-10-10T00:00:00Z",
        },
        {"type": "claim", "key": "c1", "statement": "Troops are deployed", "about": ["a2"]},
        {
            "type": "stance",
            "key": "t1",
            "claim": "c1",
            "actor": "a2",
            "source": "s1",
            "label": "highly_likely",
            "probability": 0.9,
            "quote": 'troops were "deployed"',
        },
    ]


# A source without text, whose stances' quotes are stored as given: `said` makes stances
# differing only in their quotes (the same stance twice would be refused).
UNTEXTED = {"type": "source", "key": "s0", "kind": "statement", "title": "Without its text"}


def said(stance: dict[str, Any], key: str) -> dict[str, Any]:
    return {**stance, "key": key, "source": "s0", "quote": f"Words of stance {key}"}


async def count(client: httpx.AsyncClient, path: str) -> int:
    return len(await walk(client, path))


async def nothing_written(client: httpx.AsyncClient) -> None:
    for path in ("/v1/actors", "/v1/sources", "/v1/claims", "/v1/stances"):
        assert await count(client, path) == 0, path
    assert (await client.get("/v1/changes")).json()["items"] == []


@contextlib.asynccontextmanager
async def refusing(
    engine: AsyncEngine, backend: str, table: str, condition: str
) -> AsyncIterator[None]:
    """A trigger that makes the database refuse the rows of `table` meeting `condition` (as a
    lost connection or a timeout would fail a write), dropped on leaving."""
    if backend == "postgresql":
        setup = [
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF {condition} THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION refuse()",
        ]
        teardown = [f"DROP TRIGGER refuse ON {table}", "DROP FUNCTION refuse()"]
    else:
        setup = [
            f"CREATE TRIGGER refuse BEFORE INSERT ON {table} WHEN {condition} "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
        teardown = ["DROP TRIGGER refuse"]
    async with engine.begin() as conn:
        for sql in setup:
            await conn.exec_driver_sql(sql)
    try:
        yield
    finally:
        async with engine.begin() as conn:
            for sql in teardown:
                await conn.exec_driver_sql(sql)


class TestAllOrNothing:
    @pytest.mark.slow
    async def test_one_bad_line_in_ten_thousand_changes_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        records = list(Dataset(stances=6500, seed=3).records())
        assert len(records) >= 10_000
        bad_line = 9000
        bad = dict(records[bad_line - 1])
        assert bad["type"] == "stance"
        bad["label"], bad["probability"] = "denied", 0.5
        broken = [*records[: bad_line - 1], bad, *records[bad_line:]]

        r = await post(client, body(broken))
        errors = problem(r, 422)["errors"]
        assert [(e["line"], e["field"], e["type"]) for e in errors] == [
            (bad_line, "probability", "probability-outside-band")
        ]
        assert problem(r, 422)["error_count"] == 1
        await nothing_written(client)

        report = await imported(client, body(records))
        assert created(report)["stance"] == 6500
        assert report["records"] == len(records)
        assert await count(client, "/v1/stances") == 6500

        again = await imported(client, body(records))
        assert set(created(again).values()) == {0}
        assert all(c["updated"] == 0 for c in again["counts"].values())
        assert await count(client, "/v1/stances") == 6500

    async def test_dry_run_reports_and_writes_nothing(self, client: httpx.AsyncClient) -> None:
        report = await imported(client, body(minimal()), dry_run="true")
        assert report["dry_run"] is True
        assert created(report) == {
            "actor": 2,
            "affiliation": 0,
            "source": 1,
            "citation": 0,
            "claim": 1,
            "claim_relation": 0,
            "stance": 1,
        }
        await nothing_written(client)

    async def test_every_error_is_named_by_line(self, client: httpx.AsyncClient) -> None:
        lines = [orjson.dumps(r) for r in minimal()]
        lines += [
            # 6: an unknown ref
            orjson.dumps({**minimal()[4], "key": "t2", "claim": "nope"}),
            # 7: a key used before
            orjson.dumps({"type": "actor", "key": "a1", "kind": "person", "name": "Other"}),
            # 8: a probability outside the label's band
            orjson.dumps({**minimal()[4], "key": "t3", "label": "denied", "probability": 0.5}),
            # 9: a quote the source's text does not hold
            orjson.dumps({**minimal()[4], "key": "t4", "quote": "troops withdrew"}),
            # 10: a wrong record type
            orjson.dumps({"type": "planet", "key": "p1"}),
            # 11: malformed JSON
            b'{"type": "actor", "key": ',
            # 12: a value outside the vocabulary
            orjson.dumps({"type": "actor", "key": "a3", "kind": "alien", "name": "X"}),
            # 13: a ref to a record of the wrong type
            orjson.dumps({**minimal()[4], "key": "t5", "claim": "a1"}),
            # 14: a ref to a later line
            orjson.dumps({**minimal()[4], "key": "t6", "claim": "c2"}),
            orjson.dumps({"type": "claim", "key": "c2", "statement": "Another claim"}),
            # 16: a field the schema does not have
            orjson.dumps({**minimal()[0], "key": "a4", "name": "Y", "colour": "red"}),
        ]
        r = await post(client, b"\n".join(lines) + b"\n")
        found = {(e["line"], e["field"], e["type"]) for e in problem(r, 422)["errors"]}
        assert found == {
            (6, "claim", "unknown-reference"),
            (7, "key", "duplicate-key"),
            (8, "probability", "probability-outside-band"),
            (9, "quote", "quote-not-in-source"),
            (10, "type", "literal_error"),
            (11, "", "json_invalid"),
            (12, "kind", "enum"),
            (13, "claim", "wrong-reference"),
            (14, "claim", "forward-reference"),
            (16, "colour", "extra_forbidden"),
        }
        await nothing_written(client)

    async def test_errors_are_listed_up_to_a_cap_with_their_count(
        self, client: httpx.AsyncClient
    ) -> None:
        bad = [{"type": "actor", "key": f"k{i}", "kind": "alien", "name": "X"} for i in range(1200)]
        r = await post(client, body(bad))
        details = problem(r, 422)
        assert details["error_count"] == 1200
        assert len(details["errors"]) == 1000
        assert details["errors"][0]["line"] == 1

    async def test_a_duplicate_key_far_apart_is_found(self, client: httpx.AsyncClient) -> None:
        far = BATCH_RECORDS + 100  # in another batch than its first use
        records = [{"type": "claim", "key": f"c{i}", "statement": f"Claim {i}"} for i in range(far)]
        records.append({"type": "claim", "key": "c5", "statement": "Claim again"})
        r = await post(client, body(records))
        errors = problem(r, 422)["errors"]
        assert [(e["line"], e["field"]) for e in errors] == [(far + 1, "key")]
        assert "line 6" in errors[0]["message"]


class TestUpsert:
    async def test_a_link_given_again_batches_later_matches_its_record(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # An affiliation, a citation and a relation between records this import created, given
        # again after another batch of their type: found in the database, not created twice
        # (a unique key refused the citation and the relation; the affiliation, without a
        # start date, was created twice).
        monkeypatch.setattr(importer, "BATCH_RECORDS", 2)
        s1 = {"type": "source", "key": "s1", "kind": "report", "title": "A"}
        s2 = {"type": "source", "key": "s2", "kind": "report", "title": "B"}
        records = [
            *(KREMLIN, KIM, s1, s2, C1, C2),
            *({**LINK, "key": "l1"}, {**CITE, "key": "x1"}),
            {**RELATE, "key": "r1"},
            {**LINK, "key": "l2", "actor": "a1", "organization": "a2"},
            {**CITE, "key": "x2", "source": "s2", "cited": "s1"},
            {**RELATE, "key": "r2", "claim": "c2", "related": "c1"},
            *({**LINK, "key": "l1-again"}, {**CITE, "key": "x1-again"}),
            *({**RELATE, "key": "r1-again"}, {**KIM, "key": "a2-again"}),
        ]
        report = await imported(client, body(records))
        again = {"created": 2, "updated": 0, "unchanged": 1}
        for kind in ("affiliation", "citation", "claim_relation"):
            assert report["counts"][kind] == again, kind
        second = await imported(client, body(records))
        assert sum(c["created"] + c["updated"] for c in second["counts"].values()) == 0

    async def test_a_natural_key_given_again_in_the_next_batch_matches_its_record(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # On PostgreSQL a batch's rows are written while the next batch is built, after that
        # batch's lookups: each second record here (its own key, the first one's natural key)
        # is in the batch after the first, and must match it, not create it again.
        monkeypatch.setattr(importer, "BATCH_RECORDS", 2)
        kim_id = {**KIM, "key": "a2-x", "external_ids": {"wikidata": "Q42"}}
        url = "https://news.example.org/troops"
        s1 = {"type": "source", "key": "s1", "kind": "report", "title": "Troops", "url": url}
        s2 = {**s1, "key": "s2", "url": "https://news.example.org/leave"}
        records = [
            KIM,
            KREMLIN,
            {**KREMLIN, "key": "a1-again"},
            kim_id,
            {"type": "actor", "key": "a2-again", "kind": "person", "name": "Kim Yong-hyun"},
            s1,
            {**s1, "key": "s1-again", "url": "https://NEWS.example.org/troops#top"},
            s2,
            C1,
            {**C1, "key": "c1-again"},
            C2,
            {**LINK, "key": "l1"},
            {**LINK, "key": "l1-again", "role": "Minister"},
            {**CITE, "key": "x1"},
            {**CITE, "key": "x1-again"},
            {**RELATE, "key": "r1"},
            {**RELATE, "key": "r1-again"},
        ]
        report = await imported(client, body(records))
        counts = {kind: dict(c) for kind, c in report["counts"].items()}
        assert counts == {
            "actor": {"created": 2, "updated": 1, "unchanged": 2},
            "affiliation": {"created": 1, "updated": 1, "unchanged": 0},
            "source": {"created": 2, "updated": 0, "unchanged": 1},
            "citation": {"created": 1, "updated": 0, "unchanged": 1},
            "claim": {"created": 2, "updated": 0, "unchanged": 1},
            "claim_relation": {"created": 1, "updated": 0, "unchanged": 1},
            "stance": {"created": 0, "updated": 0, "unchanged": 0},
        }
        actors = {a["name"]: a for a in await walk(client, "/v1/actors")}
        assert sorted(actors) == ["Kim Yong-hyun", "Kremlin"]
        kim_now = (await client.get(f"/v1/actors/{actors['Kim Yong-hyun']['id']}")).json()
        assert kim_now["external_ids"] == {"wikidata": "Q42"}
        assert len(await walk(client, "/v1/sources")) == 2
        assert len(await walk(client, "/v1/claims")) == 2
        again = await imported(client, body(records))
        assert sum(c["created"] for c in again["counts"].values()) == 0
        assert sum(c["updated"] for c in again["counts"].values()) == 0

    async def test_matched_records_are_updated_with_the_fields_given(
        self, client: httpx.AsyncClient
    ) -> None:
        await imported(client, body(minimal()))
        actors = {a["name"]: a for a in await walk(client, "/v1/actors")}
        kim = actors["Kim Yong-hyun"]
        change = [
            # refers to records already there by natural key, and changes one field
            {
                "type": "actor",
                "key": "kim",
                "kind": "person",
                "name": "Kim Yong-hyun",
                "description": "Minister",
            },
            {
                "type": "stance",
                "key": "again",
                "claim": {"statement": "troops ARE   deployed"},
                "actor": {"kind": "person", "name": "Kim Yong-hyun"},
                "source": {"url": "https://NEWS.example.org/troops#top"},
                "label": "highly_likely",
                "quote": "troops were \u201cdeployed\u201d",
                "probability": 0.85,
            },
        ]
        report = await imported(client, body(change))
        assert report["counts"]["actor"] == {"created": 0, "updated": 1, "unchanged": 0}
        assert report["counts"]["stance"] == {"created": 0, "updated": 1, "unchanged": 0}
        r = await client.get(f"/v1/actors/{kim['id']}")
        assert r.json()["description"] == "Minister"
        assert r.json()["aliases"] == kim["aliases"]  # not given: kept
        (stance,) = await walk(client, "/v1/stances")
        assert stance["probability"] == 0.85
        history = await client.get(f"/v1/actors/{kim['id']}/history")
        assert [c["action"] for c in history.json()["items"]] == ["create", "update"]

    async def test_actors_match_by_external_id(self, client: httpx.AsyncClient) -> None:
        first = {
            "type": "actor",
            "key": "p",
            "kind": "person",
            "name": "Vladimir Putin",
            "external_ids": {"wikidata": "Q7747"},
        }
        await imported(client, body([first]))
        renamed = {**first, "name": "Vladimir Vladimirovich Putin"}
        report = await imported(client, body([renamed]))
        assert report["counts"]["actor"]["updated"] == 1
        (actor,) = await walk(client, "/v1/actors")
        assert actor["name"] == "Vladimir Vladimirovich Putin"
        stance_ref = {
            "type": "claim",
            "key": "c",
            "statement": "S",
            "about": [{"external_id": {"wikidata": "Q7747"}}],
        }
        await imported(client, body([stance_ref]))
        (claim,) = await walk(client, "/v1/claims")
        assert claim["about_actor_ids"] == [actor["id"]]

    async def test_sources_without_a_url_match_by_hash_else_by_kind_and_title(
        self, client: httpx.AsyncClient
    ) -> None:
        report_source = {"type": "source", "key": "r", "kind": "report", "title": "Annual"}
        with_text = {**report_source, "key": "h", "title": "Findings", "text": "Held text."}
        line = {"type": "source", "key": "p", "kind": "statement", "title": "Press line"}
        await imported(client, body([report_source, with_text, line]))
        again = [
            {**with_text, "title": "Findings, revised"},  # the same text: the same source
            {**line, "key": "p2"},  # the same kind and title
            {**line, "key": "p3", "kind": "news_article"},  # another kind: another source
            {**report_source, "key": "r2", "title": "Press line"},  # another title
        ]
        report = await imported(client, body(again))
        assert report["counts"]["source"] == {"created": 2, "updated": 1, "unchanged": 1}
        titles = sorted((s["kind"], s["title"]) for s in await walk(client, "/v1/sources"))
        assert titles == [
            ("news_article", "Press line"),
            ("report", "Annual"),
            ("report", "Findings, revised"),
            ("report", "Press line"),
            ("statement", "Press line"),
        ]

    async def test_links_and_affiliations_given_by_id_are_updated_or_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        people: list[dict[str, Any]] = [
            {"type": "actor", "key": "a", "kind": "person", "name": "Analyst"},
            {"type": "actor", "key": "o1", "kind": "organization", "name": "Agency"},
            {"type": "actor", "key": "o2", "kind": "organization", "name": "Bureau"},
            *report_sources(3),
        ]
        affiliation = {
            "type": "affiliation",
            "key": "f",
            "actor": "a",
            "organization": "o1",
            "kind": "member_of",
            "role": "Analyst",
        }
        citation = {"type": "citation", "key": "x", "source": "s1", "cited": "s2", "kind": "quotes"}
        await imported(client, body([*people, affiliation, citation]))
        ids = {r["type"]: r["id"] for r in lines(await export(client))}
        f_id, x_id = ids["affiliation"], ids["citation"]
        changed = [
            *people,
            {**affiliation, "id": f_id, "role": "Director"},
            {**citation, "id": x_id, "kind": "cites"},
        ]
        report = await imported(client, body(changed))
        assert report["counts"]["affiliation"] == {"created": 0, "updated": 1, "unchanged": 0}
        assert report["counts"]["citation"] == {"created": 0, "updated": 1, "unchanged": 0}
        again = await imported(client, body(changed))
        assert again["counts"]["affiliation"] == {"created": 0, "updated": 0, "unchanged": 1}
        assert again["counts"]["citation"] == {"created": 0, "updated": 0, "unchanged": 1}
        exported = {r["type"]: r for r in lines(await export(client))}
        assert exported["affiliation"]["role"] == "Director"
        assert exported["citation"]["kind"] == "cites"
        # The same ids between other records: refused, each on its own line.
        elsewhere = [
            *people,
            {**affiliation, "id": f_id, "organization": "o2"},
            {**citation, "id": x_id, "cited": "s3"},
        ]
        r = await post(client, body(elsewhere))
        found = {(e["line"], e["field"], e["type"]) for e in problem(r, 422)["errors"]}
        assert found == {(7, "id", "id-conflict"), (8, "id", "id-conflict")}

    async def test_a_stance_repeated_in_one_file_is_refused_with_its_line(
        self, client: httpx.AsyncClient
    ) -> None:
        stance = minimal()[4]
        records = [*minimal(), {**stance, "key": "t1-again"}]
        errors = problem(await post(client, body(records)), 422)["errors"]
        assert [(e["line"], e["field"], e["type"]) for e in errors] == [
            (len(records), "quote", "duplicate-stance")
        ]
        await nothing_written(client)

    async def test_a_stance_refused_for_its_id_leaves_its_natural_key_free(
        self, client: httpx.AsyncClient
    ) -> None:
        """A line refused because its id is another line's takes no natural key: a later
        line with the same stance is not called a repeat of it."""
        stance = minimal()[4]
        given = str(uuid.uuid4())
        records = [
            *minimal(),
            {**stance, "key": "t2", "id": given, "label": "likely", "probability": None},
            {**stance, "key": "t3", "id": given, "label": "denied", "probability": None},
            {**stance, "key": "t4", "label": "denied", "probability": None},
        ]
        errors = problem(await post(client, body(records)), 422)["errors"]
        assert [(e["line"], e["field"], e["type"]) for e in errors] == [
            (len(records) - 1, "id", "duplicate-id")
        ]
        await nothing_written(client)

    async def test_a_stance_equal_to_a_recorded_one_is_unchanged(
        self, client: httpx.AsyncClient
    ) -> None:
        await imported(client, body(minimal()))
        again = await imported(client, body(minimal()))
        assert again["counts"]["stance"] == {"created": 0, "updated": 0, "unchanged": 1}
        assert await count(client, "/v1/stances") == 1

    async def test_created_records_have_a_history(self, client: httpx.AsyncClient) -> None:
        await imported(client, body(minimal()))
        (stance,) = await walk(client, "/v1/stances")
        history = (await client.get(f"/v1/stances/{stance['id']}/history")).json()["items"]
        assert [c["action"] for c in history] == ["create"]
        after = history[0]["after"]
        assert after["quote"] == stance["quote"] == "troops were \u201cdeployed\u201d"
        assert after["claim_id"] == stance["claim_id"]
        assert history[0]["writer"].startswith("key:")

    async def test_claim_counters_follow_the_import(self, client: httpx.AsyncClient) -> None:
        await imported(client, body(minimal()))
        (claim,) = await walk(client, "/v1/claims")
        summary = (await client.get(f"/v1/claims/{claim['id']}")).json()["summary"]
        assert summary["by_side"]["support"] == {"stances": 1, "actors": 1}
        listed = await client.get("/v1/claims", params={"sort": "stances"})
        assert [c["id"] for c in listed.json()["items"]] == [claim["id"]]

    @pytest.mark.slow
    async def test_stances_over_many_batches_are_all_written_in_file_order(
        self, client: httpx.AsyncClient
    ) -> None:
        # Stance rows are written while the next batch is prepared; a batch of other records
        # after them, and the end of the file, must find every one of them written.
        stance = minimal()[4]
        many = 2 * BATCH_RECORDS + 7
        records = [*minimal(), UNTEXTED, *(said(stance, f"t{i}") for i in range(2, many + 1))]
        late = {"type": "claim", "key": "c2", "statement": "Troops have left"}
        denial = {**stance, "key": "t-late", "claim": "c2", "label": "denied", "probability": None}
        records += [late, denial]
        report = await imported(client, body(records))
        assert report["counts"]["stance"]["created"] == many + 1
        claims = {c["statement"]: c for c in await walk(client, "/v1/claims")}
        first = (await client.get(f"/v1/claims/{claims['Troops are deployed']['id']}")).json()
        assert first["summary"]["by_side"]["support"] == {"stances": many, "actors": 1}
        second = (await client.get(f"/v1/claims/{claims['Troops have left']['id']}")).json()
        assert second["summary"]["by_side"]["dispute"] == {"stances": 1, "actors": 1}
        changes, since = 0, None
        while True:
            params = {"entity": "stance", "limit": 500, **({"since": since} if since else {})}
            feed = (await client.get("/v1/changes", params=params)).json()
            changes += len(feed["items"])
            if not feed["items"]:
                break
            since = feed["next_cursor"]
        assert changes == many + 1

    async def test_a_stance_id_given_again_in_a_later_batch_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        stance = {**minimal()[4], "id": str(uuid.uuid4())}
        filler = [said(minimal()[4], f"f{i}") for i in range(BATCH_RECORDS + 10)]
        records = [*minimal()[:4], UNTEXTED, stance, *filler, {**stance, "key": "t-again"}]
        r = await post(client, body(records))
        errors = problem(r, 422)["errors"]
        assert [(e["line"], e["field"], e["type"]) for e in errors] == [
            (len(records), "id", "duplicate-id")
        ]
        await nothing_written(client)

    async def test_a_write_the_database_refuses_mid_import_leaves_nothing(
        self, client: httpx.AsyncClient, engine: AsyncEngine, backend: str
    ) -> None:
        # A stance row the database itself refuses (a trigger here; a lost connection or a
        # timeout in life). On PostgreSQL its batch is written in the background while the
        # next one is prepared: the failure must still end the import, and roll it all back.
        stance = minimal()[4]
        stances = [UNTEXTED, *(said(stance, f"f{i}") for i in range(BATCH_RECORDS + 10))]
        stances[1]["probability"] = 0.91
        async with refusing(engine, backend, "stances", "NEW.probability = 0.91"):
            r = await post(client, body([*minimal()[:4], *stances]))
        # SQLite reports a trigger's RAISE(ABORT) as a constraint failure (409, retry);
        # PostgreSQL's RAISE EXCEPTION is an unexpected error (500).
        status = 409 if backend == "sqlite" else 500
        assert problem(r, status)["detail"]
        await nothing_written(client)
        report = await imported(client, body([*minimal()[:4], *stances]))
        assert report["counts"]["stance"]["created"] == len(stances) - 1

    async def test_a_claim_the_database_refuses_in_the_background_leaves_nothing(
        self, client: httpx.AsyncClient, engine: AsyncEngine, backend: str
    ) -> None:
        # Claims, like stances, are written while the next batch is built (PostgreSQL): a row
        # refused there must end the import and roll it all back, with the next batch's reads
        # queued behind the failed COPY.
        claims = [
            {"type": "claim", "key": f"k{i}", "statement": f"Claim {i}"}
            for i in range(BATCH_RECORDS + 10)
        ]
        async with refusing(engine, backend, "claims", "NEW.statement = 'Claim 3'"):
            r = await post(client, body([*minimal()[:4], *claims]))
        status = 409 if backend == "sqlite" else 500
        assert problem(r, status)["detail"]
        await nothing_written(client)
        report = await imported(client, body([*minimal()[:4], *claims]))
        assert report["counts"]["claim"]["created"] == len(claims) + 1


async def test_a_growing_table_is_analyzed_each_time_it_doubles(
    client: httpx.AsyncClient, engine: AsyncEngine, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL plans the import's lookups from statistics that do not count the import's
    own rows: each looked-up table is analyzed in the import's transaction as it doubles."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: SQLite plans its lookups without statistics")
    monkeypatch.setattr(importer, "BATCH_RECORDS", 20)
    monkeypatch.setattr(bulk, "ANALYZE_MIN_ROWS", 10)
    sources = [
        {"type": "source", "key": f"s{i}", "kind": "report", "title": f"Report {i}"}
        for i in range(100)
    ]
    claims = [{"type": "claim", "key": f"c{i}", "statement": f"Claim {i}"} for i in range(5)]
    tables = ("sources", "claims")
    async with engine.begin() as conn:
        for table in tables:  # counted empty; autovacuum kept off them meanwhile
            await conn.exec_driver_sql(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
            await conn.exec_driver_sql(f"ANALYZE {table}")
    try:
        await imported(client, body([*sources, *claims]))
        async with engine.connect() as conn:
            counted = {
                table: (
                    await conn.exec_driver_sql(
                        f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass"
                    )
                ).scalar_one()
                for table in tables
            }
    finally:
        async with engine.begin() as conn:
            for table in tables:
                await conn.exec_driver_sql(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
    # Batches of 20 sources: analyzed at 20, 40 and 80 rows, not at 60 or 100; 5 claims: never.
    assert counted == {"sources": 80, "claims": 0}


class TestRequests:
    async def test_other_media_types_are_refused(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/v1/import", content=b"{}", headers={"Content-Type": "application/json"}
        )
        problem(r, 415)

    async def test_a_format_the_body_contradicts_is_422_naming_it(
        self, client: httpx.AsyncClient
    ) -> None:
        headers = {"Content-Type": "application/stix+json"}
        r = await client.post("/v1/import?format=ndjson", content=b"{}", headers=headers)
        assert field_errors(problem(r, 422)) == {"format"}

    async def test_import_needs_a_write_key(self, anonymous: httpx.AsyncClient) -> None:
        r = await anonymous.post("/v1/import", content=body(minimal()), headers=NDJSON)
        problem(r, 401)

    @pytest.mark.parametrize("blank", [b"", b"\n\n  \n"])
    async def test_an_empty_body_imports_nothing(
        self, client: httpx.AsyncClient, blank: bytes
    ) -> None:
        report = await imported(client, blank)
        assert report["records"] == 0


async def test_a_bulk_recount_counts_as_claim_by_claim(
    client: httpx.AsyncClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import's final recount (set-based over a temporary table of claims on PostgreSQL)
    leaves every claim's counters as recounting that claim alone does."""
    # Any recount of 2+ claims is a bulk one.
    monkeypatch.setattr("app.tallies.recount.BULK_CHUNK", 1)
    await imported(client, body(list(Dataset(stances=400, seed=5).records())))
    ids = [c["id"] for c in await walk(client, "/v1/claims")]

    async def summaries() -> dict[str, Any]:
        return {i: (await client.get(f"/v1/claims/{i}")).json()["summary"] for i in ids}

    bulk = await summaries()
    async with AsyncSession(engine) as session:
        for claim_id in ids:
            await stats.recount(session, [uuid.UUID(claim_id)])
        await session.commit()
    assert await summaries() == bulk
    assert len(ids) > 20
    assert sum(s["total"] for s in bulk.values()) > 300
    assert any(s["by_side"]["dispute"]["actors"] and s["contested"] for s in bulk.values())
    assert any(s["retracted"] for s in bulk.values())


class TestSearchAfterImport:
    async def test_imported_statements_and_quotes_are_found_by_search(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Batches of three: the claims and stances go in over several batches (on SQLite each
        # batch through its staging table), and a second import after the first.
        monkeypatch.setattr(importer, "BATCH_RECORDS", 3)
        words = ["zephyr", "quokka", "marimba", "tundra", "obelisk", "saffron"]
        for part in (words[:3], words[3:]):
            records: list[dict[str, Any]] = [KREMLIN, UNTEXTED]
            for word in part:
                records.append({"type": "claim", "key": f"c-{word}", "statement": f"The {word}"})
                records.append(
                    {
                        "type": "stance",
                        "key": f"t-{word}",
                        "claim": f"c-{word}",
                        "actor": "a1",
                        "source": "s0",
                        "label": "denied",
                        "quote": f"Nothing like {word}s here, the {word[::-1]} said",
                    }
                )
            await imported(client, body(records))
        for word in words:
            for term in (word, word[::-1]):  # in the statement; only in the quote
                found = (await client.get("/v1/claims", params={"q": term})).json()["items"]
                assert [c["statement"] for c in found] == [f"The {word}"], term
