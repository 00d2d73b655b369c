"""schema.org ClaimReview JSON-LD, checked by expanding it with pyld against a local context."""

import json
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from app.formats import FORMATS
from app.formats.claimreview import node_id, rating_value
from app.vocabulary import StanceLabel
from tests.formats.records import record_uuid, render

SCHEMA = "http://schema.org/"
# A minimal stand-in for https://schema.org's context (the published one is ~200 kB and this
# suite has no network): it defines exactly the terms the exporter writes, as the published
# context does, and has no @vocab, so a term the exporter invents would be dropped; see
# `test_every_term_is_defined`.
CONTEXT_FILE = Path(__file__).with_name("schemaorg-context.jsonld")
CONTEXT_URLS = {
    "https://schema.org",
    "https://schema.org/",
    "http://schema.org",
    "http://schema.org/",
}


def local_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves schema.org's context from disk and nothing else."""
    if url not in CONTEXT_URLS:
        raise jsonld.JsonLdError(f"no network in tests: {url}", "loading document failed")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(CONTEXT_FILE.read_text("utf-8")),
    }


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": local_loader})  # type: ignore[no-any-return]


def flat_nodes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every node of the graph by @id, merged (embedded nodes included)."""
    flat = jsonld.flatten(document, None, {"documentLoader": local_loader})
    return {node["@id"]: node for node in flat}


def graph(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    document = render("claimreview", records)
    assert document["@context"] == "https://schema.org"
    return document["@graph"]  # type: ignore[no-any-return]


def reviews_of(records: list[dict[str, Any]], claim_key: str) -> list[dict[str, Any]]:
    claim = node_id(record_uuid(claim_key))
    return [
        n
        for n in graph(records)
        if n["@type"] == "ClaimReview" and n["itemReviewed"]["@id"] == claim
    ]


def claim_node(records: list[dict[str, Any]], claim_key: str) -> dict[str, Any]:
    claim = node_id(record_uuid(claim_key))
    for node in graph(records):
        if node["@id"] == claim:
            return node
        if node["@type"] == "ClaimReview" and node["itemReviewed"]["@id"] == claim:
            return node["itemReviewed"]  # type: ignore[no-any-return]
    raise AssertionError(f"no node for {claim_key}")


class TestJsonLd:
    def test_expands_to_schema_org_claim_reviews_and_claims(
        self, records: list[dict[str, Any]]
    ) -> None:
        nodes = flat_nodes(render("claimreview", records))
        types = [t for node in nodes.values() for t in node.get("@type", [])]
        assert types.count(SCHEMA + "ClaimReview") == 2
        claims = {record_uuid(r["key"]) for r in records if r["type"] == "claim"}
        assert types.count(SCHEMA + "Claim") == len(claims)

        review = nodes[node_id(record_uuid("example-fact-check-on-kremlin-acknowledged"))]
        rating = nodes[review[SCHEMA + "reviewRating"][0]["@id"]]
        assert rating["@type"] == [SCHEMA + "Rating"]
        assert rating[SCHEMA + "ratingValue"] == [{"@value": 1}]
        assert rating[SCHEMA + "alternateName"] == [{"@value": "denied"}]
        assert review[SCHEMA + "url"] == [
            {"@id": "https://factcheck.example/2024/10/kremlin-north-korean-troops"}
        ]
        assert review[SCHEMA + "datePublished"] == [
            {"@type": SCHEMA + "Date", "@value": "2024-10-14T12:00:00Z"}
        ]
        claim = nodes[review[SCHEMA + "itemReviewed"][0]["@id"]]
        assert claim["@type"] == [SCHEMA + "Claim"]
        appearance = nodes[claim[SCHEMA + "appearance"][0]["@id"]]
        assert appearance["@type"] == [SCHEMA + "SocialMediaPosting"]

    def test_expand_gives_the_graph_typed_by_schema_org(
        self, records: list[dict[str, Any]]
    ) -> None:
        expanded = expand(render("claimreview", records))
        top = [t for node in expanded for t in node["@type"]]
        claims = sum(r["type"] == "claim" for r in records)
        assert top.count(SCHEMA + "ClaimReview") == 2
        assert top.count(SCHEMA + "Claim") == claims - 2  # the 2 reviewed ones are embedded
        reviewed = [
            node[SCHEMA + "itemReviewed"][0]["@type"]
            for node in expanded
            if SCHEMA + "ClaimReview" in node["@type"]
        ]
        assert reviewed == [[SCHEMA + "Claim"]] * 2

    def test_every_term_is_defined(self, records: list[dict[str, Any]]) -> None:
        defined = set(json.loads(CONTEXT_FILE.read_text("utf-8"))["@context"])
        used: set[str] = set()

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key == "@type":
                        used.add(item)
                    elif not key.startswith("@"):
                        used.add(key)
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(graph(records))
        assert used <= defined, used - defined

    def test_loader_refuses_the_network(self) -> None:
        with pytest.raises(jsonld.JsonLdError):
            expand({"@context": "https://example.org/context.jsonld", "name": "x"})


class TestClaimReview:
    def test_fact_checker_denial_is_a_review_rated_false(
        self, records: list[dict[str, Any]]
    ) -> None:
        [review] = reviews_of(records, "kremlin-acknowledged-nk-troops")
        assert review["author"] == {
            "@type": "Organization",
            "@id": node_id(record_uuid("example-fact-check")),
            "name": "Example Fact Check (synthetic)",
        }
        assert review["claimReviewed"] == (
            "The Kremlin has acknowledged that North Korean troops are in Ukraine"
        )
        assert review["reviewBody"] == "The Kremlin has not acknowledged any deployment"
        assert review["reviewRating"] == {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "denied",
        }

    def test_reviewed_claim_carries_its_appearances_and_authors(
        self, records: list[dict[str, Any]]
    ) -> None:
        [review] = reviews_of(records, "kremlin-acknowledged-nk-troops")
        claim = review["itemReviewed"]
        assert [a["name"] for a in claim["author"]] == ["Jane Roe (synthetic)"]
        assert claim["datePublished"] == "2024-10-12T09:30:00Z"
        [appearance] = claim["appearance"]
        assert appearance == {
            "@type": "SocialMediaPosting",
            "@id": node_id(record_uuid("viral-post")),
            "headline": "The Kremlin admits North Korean troops are in Ukraine (synthetic post)",
            "url": "https://social.example/janeroe/posts/1",
            "datePublished": "2024-10-12T09:30:00Z",
            "inLanguage": "en",
            "author": [
                {
                    "@type": "Person",
                    "@id": node_id(record_uuid("jane-roe")),
                    "name": "Jane Roe (synthetic)",
                }
            ],
        }
        assert claim["temporalCoverage"] == "2024-10-01T00:00:00Z/.."

    def test_retracted_stance_is_left_out(self, records: list[dict[str, Any]]) -> None:
        claim = claim_node(records, "kremlin-acknowledged-nk-troops")
        names = [a["name"] for a in claim["author"]]
        assert "John Doe (synthetic)" not in names
        assert node_id(record_uuid("reshare-post")) not in [a["@id"] for a in claim["appearance"]]

    def test_authors_are_the_supporters_and_appearances_every_source(
        self, demo: list[dict[str, Any]]
    ) -> None:
        claim = claim_node(demo, "nk-personnel-deployed")
        assert claim["@type"] == "Claim"
        assert [a["name"] for a in claim["author"]] == [
            "Officials in Kyiv",
            "Officials in Seoul",
            "Ukrainian intelligence",
            "South Korean defence officials",
            "Kim Yong-hyun",
        ]
        assert claim["datePublished"] == "2024-10-08T00:00:00Z"  # Kim Yong-hyun, first to say it
        [appearance] = claim["appearance"]
        assert appearance["@type"] == "NewsArticle"
        assert appearance["publisher"]["@type"] == "Organization"

    def test_demo_has_no_fact_checker_so_no_reviews(self, demo: list[dict[str, Any]]) -> None:
        nodes = graph(demo)
        assert {n["@type"] for n in nodes} == {"Claim"}
        assert len(nodes) == sum(r["type"] == "claim" for r in demo)

    def test_persons_have_their_wikidata_entry_as_same_as(self, demo: list[dict[str, Any]]) -> None:
        claim = claim_node(demo, "kim-putin-secret-arms-deal")
        about = {a["name"]: a for a in claim["about"]}
        assert about["Vladimir Putin"]["@type"] == "Person"
        assert about["Vladimir Putin"]["sameAs"] == "https://www.wikidata.org/wiki/Q7747"

    @pytest.mark.parametrize(
        ("label", "value"),
        [
            ("confirmed", 5),
            ("highly_likely", 5),
            ("asserted", 4),
            ("likely", 4),
            ("possible", 3),
            ("reported", 3),
            ("no_comment", 3),
            ("questioned", 2),
            ("unlikely", 2),
            ("highly_unlikely", 1),
            ("denied", 1),
        ],
    )
    def test_rating_value_follows_side_and_strength(self, label: str, value: int) -> None:
        assert rating_value(StanceLabel(label)) == value


class TestFormat:
    def test_registered_as_json_ld(self) -> None:
        assert FORMATS["claimreview"].media_type == "application/ld+json"
        assert FORMATS["claimreview"].filename_suffix == ".claimreview.jsonld"
