"""STIX 2.1 bundles, checked by the `stix2` library and the OASIS validator, and read back."""

import re
import uuid
from collections import Counter
from typing import Any

import pytest
import stix2
import stix2validator

from app.formats import FORMATS, stix_to_records
from app.formats.stix_vocab import NAMESPACE, opinion_of
from app.vocabulary import StanceLabel
from tests.formats.records import record_uuid, render

Records = list[dict[str, Any]]
Bundle = dict[str, Any]

# What the OASIS validator may still say, by design: ids are UUIDv5 (stable exports; STIX
# prefers v4), affiliation and claim relationship types and source kinds as report types are
# outside STIX's suggested vocabularies (both open), and a URL of a source without its text has
# no hash.
ALLOWED_WARNINGS = {"103", "202", "218", "302"}


def objects(bundle: Bundle, kind: str) -> list[dict[str, Any]]:
    return [obj for obj in bundle["objects"] if obj["type"] == kind]


def object_for(bundle: Bundle, kind: str, key: str) -> dict[str, Any]:
    wanted = f"{kind}--{uuid.uuid5(NAMESPACE, record_uuid(key))}"
    found: list[dict[str, Any]] = [obj for obj in bundle["objects"] if obj["id"] == wanted]
    assert len(found) == 1, wanted
    return found[0]


@pytest.fixture(scope="module")
def bundle(records: Records) -> Bundle:
    return render("stix", records)  # type: ignore[no-any-return]


class TestValidity:
    def test_stix2_parses_it_without_custom_content(self, bundle: Bundle) -> None:
        parsed = stix2.parse(bundle, allow_custom=False)
        assert isinstance(parsed, stix2.v21.Bundle)
        assert len(parsed.objects) == len(bundle["objects"])

    def test_oasis_validator_finds_no_error(self, bundle: Bundle) -> None:
        options = stix2validator.ValidationOptions(version="2.1")
        result = stix2validator.validate_instance(bundle, options)
        assert result.is_valid, [str(e) for e in result.errors]
        codes = {re.search(r"\{(\d+)\}", str(w)).group(1) for w in result.warnings}  # type: ignore[union-attr]
        assert codes <= ALLOWED_WARNINGS

    def test_every_ref_resolves_inside_the_bundle(self, bundle: Bundle) -> None:
        ids = {obj["id"] for obj in bundle["objects"]}
        assert len(ids) == len(bundle["objects"])
        for obj in bundle["objects"]:
            refs = [v for k, v in obj.items() if k.endswith("_ref")]
            refs += [r for k, v in obj.items() if k.endswith("_refs") for r in v]
            assert set(refs) <= ids, obj["id"]

    def test_same_records_same_bytes(self, records: Records) -> None:
        first = b"".join(FORMATS["stix"].render(iter(records)))
        assert b"".join(FORMATS["stix"].render(iter(records))) == first

    def test_bundle_id_changes_with_the_content(self, records: Records, bundle: Bundle) -> None:
        assert render("stix", records[:-1])["id"] != bundle["id"]

    def test_object_ids_are_uuid5_of_the_record_id(self, bundle: Bundle) -> None:
        putin = object_for(bundle, "identity", "vladimir-putin")
        assert uuid.UUID(putin["id"].split("--")[1]).version == 5

    def test_registered_as_stix_json(self) -> None:
        assert FORMATS["stix"].media_type == "application/stix+json;version=2.1"
        assert FORMATS["stix"].filename_suffix == ".stix.json"


class TestMapping:
    def test_counts(self, records: Records, bundle: Bundle) -> None:
        count = Counter(r["type"] for r in records)
        kinds = Counter(obj["type"] for obj in bundle["objects"])
        countries = {r["country"] for r in records if r["type"] == "actor" and r["country"]}
        assert kinds["identity"] == count["actor"]
        assert kinds["report"] == count["source"]
        assert kinds["note"] == count["claim"]
        assert kinds["opinion"] == count["stance"]
        assert kinds["location"] == len(countries)

    @pytest.mark.parametrize(
        ("key", "identity_class", "sectors", "roles"),
        [
            ("vladimir-putin", "individual", None, None),
            ("officials-in-kyiv", "group", None, None),
            ("kremlin", "organization", ["government"], ["government"]),
            ("ukrainian-intelligence", "organization", ["government"], ["agency"]),
            ("korean-peoples-army", "organization", ["defense"], ["military"]),
            ("article-publisher", "organization", ["communications"], ["media"]),
            ("example-fact-check", "organization", None, ["fact-checker"]),
        ],
    )
    def test_actor_is_an_identity(
        self,
        bundle: Bundle,
        key: str,
        identity_class: str,
        sectors: list[str] | None,
        roles: list[str] | None,
    ) -> None:
        identity = object_for(bundle, "identity", key)
        assert identity["identity_class"] == identity_class
        assert identity.get("sectors") == sectors
        assert identity.get("roles") == roles

    def test_source_is_a_report_of_its_notes_and_opinions(self, bundle: Bundle) -> None:
        report = object_for(bundle, "report", "fact-check-article")
        assert report["name"].startswith("Fact check: the Kremlin has not acknowledged")
        assert report["published"] == "2024-10-14T12:00:00.000Z"
        assert report["report_types"] == ["fact-check"]
        assert (
            report["created_by_ref"] == object_for(bundle, "identity", "example-fact-check")["id"]
        )
        [reference] = report["external_references"]
        assert reference["url"] == "https://factcheck.example/2024/10/kremlin-north-korean-troops"
        assert set(reference["hashes"]) == {"SHA-256"}
        assert report["object_refs"] == [
            object_for(bundle, "note", "kremlin-acknowledged-nk-troops")["id"],
            object_for(bundle, "opinion", "example-fact-check-on-kremlin-acknowledged")["id"],
            object_for(bundle, "note", "nk-personnel-deployed")["id"],
            object_for(bundle, "opinion", "example-fact-check-on-nk-personnel-deployed")["id"],
        ]

    def test_claim_is_a_note_about_its_actors_and_reports(self, bundle: Bundle) -> None:
        note = object_for(bundle, "note", "kremlin-acknowledged-nk-troops")
        assert note["content"] == (
            "The Kremlin has acknowledged that North Korean troops are in Ukraine"
        )
        assert note["labels"] == ["north-korea", "russia", "fact-check"]
        assert note["object_refs"] == [
            object_for(bundle, "identity", "kremlin")["id"],
            object_for(bundle, "identity", "korean-peoples-army")["id"],
            object_for(bundle, "report", "viral-post")["id"],
            object_for(bundle, "report", "reshare-post")["id"],
            object_for(bundle, "report", "fact-check-article")["id"],
        ]

    def test_stance_is_an_opinion_of_its_actor_on_the_note(self, bundle: Bundle) -> None:
        opinion = object_for(bundle, "opinion", "example-fact-check-on-kremlin-acknowledged")
        assert opinion == {
            "type": "opinion",
            "spec_version": "2.1",
            "id": opinion["id"],
            "created": "2024-10-14T12:00:00.000Z",
            "modified": "2024-10-14T12:00:00.000Z",
            "created_by_ref": object_for(bundle, "identity", "example-fact-check")["id"],
            "explanation": "The Kremlin has not acknowledged any deployment",
            "opinion": "strongly-disagree",
            "object_refs": [object_for(bundle, "note", "kremlin-acknowledged-nk-troops")["id"]],
            "confidence": 98,  # the denial holds with 1 - 0.025 (the band's midpoint)
            "labels": ["denied", "analytic-confidence:high"],
        }

    def test_explicit_probability_sets_the_confidence(self, bundle: Bundle) -> None:
        opinion = object_for(bundle, "opinion", "example-fact-check-on-nk-personnel-deployed")
        assert (opinion["opinion"], opinion["confidence"]) == ("strongly-agree", 90)

    def test_retracted_stance_is_a_revoked_opinion(self, bundle: Bundle) -> None:
        opinion = object_for(bundle, "opinion", "john-doe-on-kremlin-acknowledged")
        assert opinion["revoked"] is True
        assert opinion["created"] == "2024-10-12T11:00:00.000Z"
        assert opinion["modified"] == "2024-10-15T07:45:00.000Z"
        assert opinion["external_references"] == [
            {
                "source_name": "claimgraph-retraction-source",
                "external_id": object_for(bundle, "report", "reshare-correction")["id"],
            }
        ]

    def test_relationships(self, bundle: Bundle) -> None:
        def between(source: str, target: str) -> list[tuple[str, str | None]]:
            return [
                (r["relationship_type"], r.get("description"))
                for r in objects(bundle, "relationship")
                if (r["source_ref"], r["target_ref"]) == (source, target)
            ]

        kim = object_for(bundle, "identity", "kim-yong-hyun")["id"]
        seoul = object_for(bundle, "identity", "south-korean-government")["id"]
        assert between(kim, seoul) == [("member-of", "Minister of National Defense")]
        fact_check = object_for(bundle, "report", "fact-check-article")["id"]
        article = object_for(bundle, "report", "article")["id"]
        assert between(fact_check, article) == [("derived-from", "quotes")]
        reshare = object_for(bundle, "report", "reshare-post")["id"]
        john = object_for(bundle, "identity", "john-doe")["id"]
        assert between(reshare, john) == [("authored-by", None)]
        admitted = object_for(bundle, "note", "kremlin-admitted-nk-troops")["id"]
        acknowledged = object_for(bundle, "note", "kremlin-acknowledged-nk-troops")["id"]
        assert between(admitted, acknowledged) == [("duplicate-of", None)]
        [located] = [
            r
            for r in objects(bundle, "relationship")
            if r["source_ref"] == kim and r["relationship_type"] == "located-at"
        ]
        assert [o["country"] for o in bundle["objects"] if o["id"] == located["target_ref"]] == [
            "KR"
        ]

    def test_affiliation_period(self, bundle: Bundle) -> None:
        [internship] = [
            r for r in objects(bundle, "relationship") if r["relationship_type"] == "employed-by"
        ]
        assert (internship["start_time"], internship["stop_time"]) == (
            "2024-01-01T00:00:00.000Z",
            "2024-06-30T00:00:00.000Z",
        )

    def test_a_note_with_nothing_to_point_at_points_at_itself(self, bundle: Bundle) -> None:
        note = object_for(bundle, "note", "kremlin-admitted-nk-troops")
        assert note["object_refs"] == [note["id"]]


# Why: "strongly" is kept for the categorical ends and the "very / almost certainly" bands,
# alike on both sides; hedged or unevidenced positions are agree/disagree; relaying, even
# chances and silence are neutral. `confidence` is how likely the position itself holds:
# the probability for support, 1 - p for dispute, from the band midpoint when none is given.
OPINION_TABLE = [
    ("confirmed", "strongly-agree", 98),
    ("highly_likely", "strongly-agree", 88),
    ("asserted", "agree", None),
    ("likely", "agree", 68),
    ("possible", "neutral", 50),
    ("reported", "neutral", None),
    ("no_comment", "neutral", None),
    ("questioned", "disagree", None),
    ("unlikely", "disagree", 68),
    ("highly_unlikely", "strongly-disagree", 88),
    ("denied", "strongly-disagree", 98),
]


def stance_bundle(label: str, probability: float | None = None) -> Bundle:
    keyed: list[dict[str, Any]] = [
        {"type": "actor", "key": "a", "kind": "person", "name": "A"},
        {"type": "source", "key": "s", "kind": "statement", "title": "S"},
        {"type": "claim", "key": "c", "statement": "C"},
        {
            "type": "stance",
            "key": "st",
            "claim": "c",
            "actor": "a",
            "source": "s",
            "label": label,
            "probability": probability,
        },
    ]
    from tests.formats.records import exported

    return render("stix", exported(keyed))  # type: ignore[no-any-return]


class TestOpinionScale:
    @pytest.mark.parametrize(("label", "opinion", "confidence"), OPINION_TABLE)
    def test_label_to_opinion_and_confidence(
        self, label: str, opinion: str, confidence: int | None
    ) -> None:
        [obj] = objects(stance_bundle(label), "opinion")
        assert opinion_of(StanceLabel(label)) == opinion
        assert (obj["opinion"], obj.get("confidence")) == (opinion, confidence)

    @pytest.mark.parametrize(("label", "opinion", "confidence"), OPINION_TABLE)
    def test_round_trip_keeps_the_label(
        self, label: str, opinion: str, confidence: int | None
    ) -> None:
        [stance] = [r for r in stix_to_records(stance_bundle(label)) if r["type"] == "stance"]
        assert (stance["label"], stance["probability"]) == (label, None)

    @pytest.mark.parametrize(
        ("label", "probability", "confidence"),
        [("likely", 0.6, 60), ("unlikely", 0.3, 70), ("denied", 0.01, 99), ("asserted", 0.97, 97)],
    )
    def test_round_trip_keeps_an_explicit_probability(
        self, label: str, probability: float, confidence: int
    ) -> None:
        bundle = stance_bundle(label, probability)
        assert objects(bundle, "opinion")[0]["confidence"] == confidence
        [stance] = [r for r in stix_to_records(bundle) if r["type"] == "stance"]
        assert (stance["label"], stance["probability"]) == (label, probability)
