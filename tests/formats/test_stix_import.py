"""Reading STIX 2.1 bundles back as records: our own exports (round trip) and foreign bundles."""

from collections import Counter
from typing import Any

import pytest

from app.formats import FORMATS, stix_to_records
from app.formats.common import iso
from tests.formats.records import SHAPES, render

Records = list[dict[str, Any]]
Bundle = dict[str, Any]


def by_key(records: Records) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in records}


def comparable(records: Records) -> dict[str, list[Any]]:
    """What a round trip keeps, with refs resolved to natural keys; sorted, per type.

    Dropped by STIX (see docs/formats.md): actor aliases and reliability, source retrieval
    time and text, claim occurrence interval. Times compare as instants.
    """
    keyed = by_key(records)

    def actor(ref: str) -> tuple[str, str]:
        return (keyed[ref]["kind"], keyed[ref]["name"])

    def source(ref: str | None) -> str | None:
        return None if ref is None else keyed[ref]["title"]

    def claim(ref: str) -> str:
        return str(keyed[ref]["statement"])

    rows: dict[str, list[Any]] = {t: [] for t in ("actor", "affiliation", "source", "citation")}
    rows |= {t: [] for t in ("claim", "claim_relation", "stance")}
    for r in records:
        kind = r["type"]
        if kind == "actor":
            row: Any = (*actor(r["key"]), r["country"], r["description"], r["external_ids"])
        elif kind == "affiliation":
            row = (actor(r["actor"]), actor(r["organization"]), r["kind"], r["role"])
            row += (iso(r["valid_from"]), iso(r["valid_to"]))
        elif kind == "source":
            row = (r["kind"], r["title"], r["url"], r["language"], r["content_hash"])
            row += (iso(r["published_at"]), r["publisher"] and actor(r["publisher"]))
            row += (sorted(actor(a) for a in r["authors"]),)
        elif kind == "citation":
            row = (source(r["source"]), source(r["cited"]), r["kind"])
        elif kind == "claim":
            row = (r["statement"], r["tags"], sorted(actor(a) for a in r["about"]))
        elif kind == "claim_relation":
            row = (claim(r["claim"]), claim(r["related"]), r["kind"])
        else:
            row = (claim(r["claim"]), actor(r["actor"]), source(r["source"]), r["label"])
            row += (r["probability"], r["confidence"], r["quote"], iso(r["stated_at"]))
            row += (iso(r["retracted_at"]), source(r["retraction_source"]))
        rows[kind].append(repr(row))
    return {kind: sorted(found) for kind, found in rows.items()}


class TestRoundTrip:
    def test_export_then_import_gives_the_same_records(self, records: Records) -> None:
        back = list(stix_to_records(render("stix", records)))
        assert comparable(back) == comparable(records)

    def test_records_come_in_dependency_order(self, records: Records) -> None:
        order = ["actor", "affiliation", "source", "citation", "claim", "claim_relation"]
        order.append("stance")
        kinds = [r["type"] for r in stix_to_records(render("stix", records))]
        assert kinds == sorted(kinds, key=order.index)

    def test_refs_are_keys_of_earlier_records(self, records: Records) -> None:
        seen: set[str] = set()
        for record in stix_to_records(render("stix", records)):
            for field in ("actor", "organization", "publisher", "source", "cited", "claim"):
                if record.get(field):
                    assert record[field] in seen, (record["key"], field)
            for ref in [*record.get("authors", []), *record.get("about", [])]:
                assert ref in seen
            seen.add(record["key"])

    def test_reimported_records_export_to_an_equivalent_bundle(self, records: Records) -> None:
        first = render("stix", records)
        again = render("stix", stix_to_records(first))

        def shape(bundle: Bundle) -> Counter[Any]:
            return Counter(
                (o["type"], o.get("opinion"), o.get("confidence"), o.get("name"))
                for o in bundle["objects"]
            )

        assert shape(again) == shape(first)


def sdo(kind: str, ident: str, **properties: Any) -> dict[str, Any]:
    stamp = properties.pop("modified", "2024-01-01T00:00:00.000Z")
    obj = {"type": kind, "spec_version": "2.1", "id": f"{kind}--{ident}"}
    return obj | {"created": "2024-01-01T00:00:00.000Z", "modified": stamp} | properties


ANALYST = sdo(
    "identity",
    "0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6a01",
    name="ACME Threat Intel",
    identity_class="organization",
    sectors=["technology"],
)
AGENCY = sdo(
    "identity",
    "0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6a02",
    name="Ministry of Defence",
    identity_class="organization",
    sectors=["government-national", "defense"],
)
NOTE = sdo(
    "note",
    "0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6a03",
    content="APT-X is behind the outage",
    object_refs=[AGENCY["id"]],
)
INDICATOR = sdo(
    "indicator",
    "0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6a04",
    pattern="[ipv4-addr:value = '198.51.100.1']",
    pattern_type="stix",
    valid_from="2024-01-01T00:00:00Z",
)


def opinion(ident: str, value: str, **properties: Any) -> dict[str, Any]:
    base = {"opinion": value, "object_refs": [NOTE["id"]], "created_by_ref": ANALYST["id"]}
    return sdo("opinion", f"0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6b{ident}", **base | properties)


def foreign(*extra: dict[str, Any]) -> Bundle:
    return {
        "type": "bundle",
        "id": "bundle--0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6aff",
        "objects": [ANALYST, AGENCY, NOTE, INDICATOR, *extra],
    }


def stances(bundle: Bundle) -> list[dict[str, Any]]:
    return [r for r in stix_to_records(bundle) if r["type"] == "stance"]


class TestForeignBundles:
    @pytest.mark.parametrize(
        ("value", "confidence", "label", "probability"),
        [
            ("strongly-agree", None, "confirmed", None),
            ("strongly-agree", 85, "highly_likely", 0.85),
            ("strongly-agree", 98, "confirmed", None),  # the band midpoint: no explicit value
            ("agree", None, "asserted", None),
            ("agree", 70, "likely", 0.7),
            ("agree", 97, "asserted", 0.97),  # no agree band holds 0.97: unhedged, with it
            ("neutral", None, "reported", None),
            ("neutral", 50, "possible", None),
            ("disagree", None, "questioned", None),
            ("disagree", 60, "unlikely", 0.4),
            ("strongly-disagree", None, "denied", None),
            ("strongly-disagree", 90, "highly_unlikely", 0.1),
            ("strongly-disagree", 40, "denied", None),  # out of every band: no probability
        ],
    )
    def test_opinion_and_confidence_pick_the_label(
        self, value: str, confidence: int | None, label: str, probability: float | None
    ) -> None:
        extra = {} if confidence is None else {"confidence": confidence}
        [stance] = stances(foreign(opinion("01", value, **extra)))
        assert (stance["label"], stance["probability"]) == (label, probability)

    def test_records_of_a_foreign_bundle(self) -> None:
        records = list(stix_to_records(foreign(opinion("01", "agree", explanation="Seen it."))))
        assert [r["type"] for r in records] == ["actor", "actor", "source", "claim", "stance"]
        analyst, agency, bundle_source, claim, stance = records
        assert (analyst["kind"], analyst["name"]) == ("organization", "ACME Threat Intel")
        assert agency["kind"] == "military"
        # An opinion that no report lists was recorded in the bundle itself.
        assert bundle_source == {
            **SHAPES["source"],  # nothing else is known of it
            "type": "source",
            "key": "bundle--0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6aff",
            "kind": "other",
            "title": "STIX bundle bundle--0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6aff",
        }
        assert claim["statement"] == "APT-X is behind the outage"
        assert claim["about"] == [AGENCY["id"]]
        assert stance["source"] == bundle_source["key"]
        assert (stance["actor"], stance["claim"]) == (ANALYST["id"], NOTE["id"])
        assert stance["quote"] == "Seen it."
        assert stance["stated_at"] == "2024-01-01T00:00:00Z"

    def test_opinion_in_a_report_is_recorded_there(self) -> None:
        said = opinion("01", "disagree")
        report = sdo(
            "report",
            "0a7c3e55-1f3e-4a5f-9a33-3c1f3e9d6a05",
            name="Weekly brief",
            published="2024-02-01T00:00:00Z",
            report_types=["threat-report"],
            object_refs=[said["id"], NOTE["id"]],
            external_references=[{"source_name": "acme", "url": "https://acme.example/brief"}],
        )
        records = list(stix_to_records(foreign(said, report)))
        [source] = [r for r in records if r["type"] == "source"]
        assert (source["kind"], source["url"]) == ("report", "https://acme.example/brief")
        assert stances(foreign(said, report))[0]["source"] == report["id"]

    def test_what_cannot_be_a_stance_is_dropped(self) -> None:
        anonymous = opinion("01", "agree", created_by_ref=None)
        on_indicator = opinion("02", "agree", object_refs=[INDICATOR["id"]])
        assert stances(foreign(anonymous, on_indicator)) == []

    def test_latest_version_wins_and_revoked_objects_go(self) -> None:
        newer = dict(NOTE, content="APT-Y is behind the outage", modified="2024-03-01T00:00:00Z")
        revoked = dict(AGENCY, revoked=True, modified="2024-03-01T00:00:00Z")
        records = list(stix_to_records(foreign(newer, revoked)))
        assert [r["statement"] for r in records if r["type"] == "claim"] == [
            "APT-Y is behind the outage"
        ]
        assert [r["name"] for r in records if r["type"] == "actor"] == ["ACME Threat Intel"]

    def test_revoked_opinion_is_a_retracted_stance(self) -> None:
        retracted = opinion("01", "agree", revoked=True, modified="2024-05-01T00:00:00.000Z")
        [stance] = stances(foreign(retracted))
        assert stance["retracted_at"] == "2024-05-01T00:00:00Z"

    @pytest.mark.parametrize("bad", [{"type": "report"}, {"objects": []}, [], "bundle"])
    def test_not_a_bundle(self, bad: Any) -> None:
        with pytest.raises(ValueError, match="not a STIX bundle"):
            stix_to_records(bad)

    def test_stix_format_reexports_the_reader(self) -> None:
        from app.formats import stix

        assert stix.stix_to_records is stix_to_records
        assert "stix" in FORMATS
