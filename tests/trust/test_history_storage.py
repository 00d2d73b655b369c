"""What the history stores: a create keeps no snapshot when the record as created can be read
back, and the API answers with the snapshot the recorder took, byte for byte (the same JSON,
keys in the order the database gives stored snapshots back), whatever came after it."""

import itertools
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.history import changelog, recorder, snapshots
from app.history.rebuild import jsonb_order
from app.models import Stance
from app.stances.writes import COLUMNS as STANCE_COLUMNS
from tests.factories import make_actor
from tests.transfer.helpers import NewDatabase, body, imported, serving
from tests.trust.conftest import rows

Body = dict[str, Any]


class Taken:
    """The snapshots the recorder and the importer took of created records, by id."""

    def __init__(self) -> None:
        self.by_id: dict[str, Body] = {}
        self.derived = 0

    def expected(self, ident: str, dialect: str) -> Body:
        taken = self.by_id[ident]
        return jsonb_order(taken) if dialect == "postgresql" else taken


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[Taken]:
    """Spy on `derivable`: what the old recorder would have stored of each create."""
    spy = Taken()
    real = snapshots.derivable

    def derivable(entity: str, after: snapshots.Snapshot) -> bool:
        spy.by_id[str(after["id"])] = orjson.loads(orjson.dumps(after))
        answer = real(entity, after)
        spy.derived += answer
        return answer

    monkeypatch.setattr(recorder, "derivable", derivable)
    monkeypatch.setattr(changelog, "derivable", derivable)
    return spy


def same_json(a: object, b: object) -> bool:
    """Equal as JSON text: key order and number types count."""
    return json.dumps(a) == json.dumps(b)


async def history(http: httpx.AsyncClient, resource: str, ident: str) -> list[Body]:
    r = await http.get(f"/v1/{resource}/{ident}/history")
    assert r.status_code == 200, r.text
    items: list[Body] = r.json()["items"]
    return items


async def feed(http: httpx.AsyncClient) -> list[Body]:
    items: list[Body] = []
    since: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 7}  # several pages
        if since:
            params["since"] = since
        page = (await http.get("/v1/changes", params=params)).json()
        if not page["items"]:
            return items
        items += page["items"]
        since = page["next_cursor"]


async def stored_afters(engine: AsyncEngine) -> dict[str, object]:
    """Each create's stored `after`, by record id (dashed)."""
    found = await rows(engine, "SELECT entity_id, after FROM changes WHERE action = 'create'")
    return {str(i) if "-" in str(i) else _dashed(str(i)): a for i, a in found}


def _dashed(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def check_chain(changes: list[Body]) -> None:
    """Each change's `before` is the previous one's `after` (as values: external ids set in one
    order load in another, as they always have)."""
    for earlier, later in itertools.pairwise(changes):
        assert later["before"] == earlier["after"], (earlier, later)


async def test_create_updates_delete_read_back_with_sub_records(
    client: httpx.AsyncClient, engine: AsyncEngine, taken: Taken
) -> None:
    dialect = engine.dialect.name
    subject = await make_actor(client)
    actor = (
        await client.post(
            "/v1/actors",
            json={
                "kind": "person",
                "name": "Ana Ruiz",
                "aliases": ["A. Ruiz", "Ruiz"],
                "external_ids": {"wikidata": "Q1"},
                "country": "ES",
            },
        )
    ).json()
    claim = (
        await client.post(
            "/v1/claims",
            json={
                "statement": "Prices rose",
                "tags": ["economy", "prices", "2024"],
                "about_actor_ids": [actor["id"], subject["id"]],
                "occurred_from": "2024-01-02T03:04:05.123456+02:00",
            },
        )
    ).json()
    untouched = (
        await client.post("/v1/claims", json={"statement": "Never changed", "tags": ["x"]})
    ).json()
    stored = await stored_afters(engine)
    assert stored[actor["id"]] is None
    assert stored[claim["id"]] is None
    assert stored[untouched["id"]] is None

    # Several updates, of fields and sub-records, then a delete.
    for patch in (
        {"aliases": ["Ruiz"]},
        {"description": "Economist", "external_ids": {"wikidata": "Q1", "orcid": "0000"}},
        {"aliases": ["Ana R.", "A. Ruiz"]},
    ):
        r = await client.patch(f"/v1/actors/{actor['id']}", json=patch)
        assert r.status_code == 200, r.text
    for patch in ({"tags": ["prices"]}, {"statement": "Prices rose fast"}, {"about_actor_ids": []}):
        r = await client.patch(f"/v1/claims/{claim['id']}", json=patch)
        assert r.status_code == 200, r.text

    actor_changes = await history(client, "actors", actor["id"])
    claim_changes = await history(client, "claims", claim["id"])
    assert [c["action"] for c in actor_changes] == ["create", "update", "update", "update"]
    assert [c["action"] for c in claim_changes] == ["create", "update", "update", "update"]
    for ident, changes in ((actor["id"], actor_changes), (claim["id"], claim_changes)):
        assert same_json(changes[0]["after"], taken.expected(ident, dialect))
        check_chain(changes)
    assert claim_changes[0]["after"]["tags"] == ["2024", "economy", "prices"]
    assert claim_changes[0]["after"]["occurred_from"] == "2024-01-02T01:04:05.123456+00:00"
    assert actor_changes[0]["after"]["aliases"] == ["A. Ruiz", "Ruiz"]
    assert actor_changes[-1]["after"]["external_ids"] == {"orcid": "0000", "wikidata": "Q1"} or (
        actor_changes[-1]["after"]["external_ids"] == {"wikidata": "Q1", "orcid": "0000"}
    )
    (only,) = await history(client, "claims", untouched["id"])
    assert same_json(only["after"], taken.expected(untouched["id"], dialect))

    r = await client.delete(f"/v1/claims/{claim['id']}")
    assert r.status_code == 204, r.text
    after_delete = await history(client, "claims", claim["id"])
    assert after_delete[:-1] == claim_changes
    assert same_json(after_delete[0]["after"], claim_changes[0]["after"])
    assert after_delete[-1]["action"] == "delete"
    check_chain(after_delete)

    # The feed answers as the records' histories do.
    everything = await feed(client)
    by_id = {c["id"]: c for c in everything}
    for c in [*actor_changes, *after_delete, only]:
        assert same_json(by_id[c["id"]], c)
    assert taken.derived >= 4


async def test_a_create_that_cannot_be_read_back_keeps_its_snapshot(
    client: httpx.AsyncClient, engine: AsyncEngine, taken: Taken
) -> None:
    """Two external ids load in no defined order; tags with punctuation sort by collation."""
    actor = (
        await client.post(
            "/v1/actors",
            json={"kind": "person", "name": "Two Ids", "external_ids": {"b": "1", "a": "2"}},
        )
    ).json()
    claim = (
        await client.post("/v1/claims", json={"statement": "Punctuated", "tags": ["a-b", "ab"]})
    ).json()
    stored = await stored_afters(engine)
    assert stored[actor["id"]] is not None
    assert stored[claim["id"]] is not None
    (change,) = await history(client, "actors", actor["id"])
    assert same_json(change["after"], taken.expected(actor["id"], engine.dialect.name))


async def test_imported_records_read_back(
    client: httpx.AsyncClient, new_database: NewDatabase, taken: Taken
) -> None:
    """An import's creates store no snapshot; the history gives the one it took."""
    records = [
        {"type": "actor", "key": "a1", "kind": "government", "name": "Kremlin"},
        {
            "type": "actor",
            "key": "a2",
            "kind": "person",
            "name": "Kim Yong-hyun",
            "aliases": ["Kim Y.", "K. Yong-hyun"],
            "external_ids": {"wikidata": "Q7"},
        },
        {
            "type": "source",
            "key": "s1",
            "kind": "news_article",
            "title": "Troops",
            "url": "https://news.example.org/troops",
            "authors": ["a2", "a1"],
            "published_at": "2024-10-10T00:00:00Z",
        },
        {
            "type": "claim",
            "key": "c1",
            "statement": "Troops are deployed",
            "about": ["a2", "a1"],
            "tags": ["war", "troops"],
        },
        {
            "type": "stance",
            "key": "t1",
            "claim": "c1",
            "actor": "a2",
            "source": "s1",
            "label": "highly_likely",
            "probability": 0.9,
            "stated_at": "2024-10-10T12:00:00.5Z",
        },
    ]
    async with new_database() as url, serving(url) as http:
        await imported(http, body(records))
        changes = await feed(http)
        creates = [c for c in changes if c["action"] == "create"]
        assert len(creates) == 5
        dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
        for c in creates:
            assert same_json(c["after"], taken.expected(c["entity_id"], dialect)), c
        assert taken.derived == 5
        # Then changed: the create still reads as imported.
        claim_id = next(c["entity_id"] for c in creates if c["entity"] == "claim")
        r = await http.patch(f"/v1/claims/{claim_id}", json={"tags": ["war"]})
        assert r.status_code == 200, r.text
        (create, update) = await history(http, "claims", claim_id)
        assert same_json(create["after"], taken.expected(claim_id, dialect))
        assert same_json(update["before"], create["after"])


async def test_citations_read_back_after_their_source_is_deleted(
    client: httpx.AsyncClient, engine: AsyncEngine, taken: Taken
) -> None:
    """A citation's create stores no snapshot; deleting the citing source, which takes its
    citations with it and records no change of theirs, stores them first: the feed gives the
    snapshots the recorder took, before and after the deletion."""
    dialect = engine.dialect.name
    made = []
    for title in ("Cited", "Citing", "Also cited"):
        r = await client.post("/v1/sources", json={"kind": "report", "title": title})
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
    cites = []
    for cited, kind in ((made[0], "cites"), (made[2], "quotes")):
        r = await client.post(
            f"/v1/sources/{made[1]}/citations", json={"cited_source_id": cited, "kind": kind}
        )
        assert r.status_code == 201, r.text
        cites.append(r.json()["id"])
    r = await client.patch(f"/v1/sources/{made[1]}/citations/{cites[1]}", json={"kind": "cites"})
    assert r.status_code == 200, r.text
    stored = await stored_afters(engine)
    assert stored[cites[0]] is None
    assert stored[cites[1]] is None

    def citation_changes(changes: list[Body]) -> list[Body]:
        return [c for c in changes if c["entity"] == "citation"]

    before = citation_changes(await feed(client))
    assert [c["action"] for c in before] == ["create", "create", "update"]
    for c, ident in zip(before, cites, strict=False):
        assert same_json(c["after"], taken.expected(ident, dialect)), c

    r = await client.delete(f"/v1/sources/{made[1]}")
    assert r.status_code == 204, r.text
    after = citation_changes(await feed(client))
    assert json.dumps(after) == json.dumps(before)
    stored = await stored_afters(engine)
    assert stored[cites[0]] is not None  # nothing left to read it back from
    assert stored[cites[1]] is None  # its update's `before` still gives it


def _stance_row(stated_at: datetime) -> dict[str, object]:
    now = datetime.now(UTC)
    row: dict[str, object] = dict.fromkeys(STANCE_COLUMNS)
    row.update(
        id=uuid.uuid4(),
        claim_id=uuid.uuid4(),
        actor_id=uuid.uuid4(),
        source_id=uuid.uuid4(),
        label="likely",
        side="for",
        probability=0.7,
        stated_at=stated_at,
        created_at=now,
        updated_at=now,
        version=1,
    )
    return row


def test_the_change_log_asks_of_uuids_as_the_recorder_of_their_strings() -> None:
    """The change log asks `derivable` of a created row's values as the database reads them
    back (UUIDs as UUIDs), and gets the answer the recorder's snapshot of the same record
    (UUIDs as strings) gets; what it stores is that snapshot, JSON-ready."""
    kept = _stance_row(datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    for row, stored in ((_stance_row(datetime(2024, 5, 1, tzinfo=UTC)), False), (kept, True)):
        after = {name: row[name] for name in snapshots.FIELDS["stance"]}
        as_recorded = {name: snapshots.json_value(value) for name, value in after.items()}
        assert snapshots.derivable("stance", after) is not stored
        assert snapshots.derivable("stance", as_recorded) is not stored
        log = changelog.ChangeLog(None, datetime.now(UTC))
        values = tuple(row[name] for name in STANCE_COLUMNS)
        assert log.snapshots(Stance, STANCE_COLUMNS, [values]) == [as_recorded if stored else None]
