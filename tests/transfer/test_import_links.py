"""Importing owned links: what a line linking a record to itself, or an affiliation ending
before it starts, is told; and a link an earlier line created, repeated, is matched."""

from typing import Any

import httpx

from tests.conftest import problem
from tests.transfer.helpers import body, imported, post, report_sources

RECORDS: list[dict[str, Any]] = [
    {"type": "actor", "key": "a", "kind": "person", "name": "Analyst"},
    {"type": "actor", "key": "o", "kind": "organization", "name": "Agency"},
    *report_sources(2),
    {"type": "claim", "key": "c1", "statement": "Troops are deployed"},
    {"type": "claim", "key": "c2", "statement": "Troops have left"},
]


async def test_a_link_to_itself_and_a_backwards_interval_are_refused_by_line(
    client: httpx.AsyncClient,
) -> None:
    records = [
        *RECORDS,
        {"type": "affiliation", "key": "f", "actor": "a", "organization": "a", "kind": "member_of"},
        {"type": "citation", "key": "x", "source": "s1", "cited": "s1", "kind": "cites"},
        {"type": "claim_relation", "key": "r", "claim": "c1", "related": "c1", "kind": "supports"},
    ]
    errors = problem(await post(client, body(records)), 422)["errors"]
    assert sorted((e["line"], e["field"], e["message"], e["type"]) for e in errors) == [
        (7, "organization", "an actor cannot be affiliated with itself", "invalid-field"),
        (8, "cited", "a source cannot cite itself", "invalid-field"),
        (9, "related", "a claim cannot relate to itself", "invalid-field"),
    ]
    backwards = {
        "type": "affiliation",
        "key": "f",
        "actor": "a",
        "organization": "o",
        "kind": "member_of",
        "valid_from": "2024-01-01T00:00:00Z",
        "valid_to": "2023-01-01T00:00:00Z",
    }
    errors = problem(await post(client, body([*RECORDS, backwards])), 422)["errors"]
    assert [(e["line"], e["field"], e["message"]) for e in errors] == [
        (7, "valid_to", "must not be before valid_from")
    ]


async def test_links_repeated_in_one_file_are_created_once(client: httpx.AsyncClient) -> None:
    links: list[dict[str, Any]] = [
        {"type": "affiliation", "actor": "a", "organization": "o", "kind": "member_of"},
        {"type": "citation", "source": "s1", "cited": "s2", "kind": "cites"},
        {"type": "claim_relation", "claim": "c1", "related": "c2", "kind": "supports"},
    ]
    keyed = [{**link, "key": f"{link['type']}-{n}"} for n in (1, 2) for link in links]
    report = await imported(client, body([*RECORDS, *keyed]))
    for kind in ("affiliation", "citation", "claim_relation"):
        assert report["counts"][kind] == {"created": 1, "updated": 0, "unchanged": 1}
    again = await imported(client, body([*RECORDS, *keyed[:3]]))
    for kind in ("affiliation", "citation", "claim_relation"):
        assert again["counts"][kind] == {"created": 0, "updated": 0, "unchanged": 1}
