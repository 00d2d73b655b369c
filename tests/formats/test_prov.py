"""W3C PROV-JSON, checked by reading it back with the `prov` package."""

import json
import tempfile
import warnings
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from prov.constants import PROV
from prov.model import ProvDocument, ProvRecord

from app.formats import FORMATS, prov
from tests.formats.records import record_uuid, render

Records = list[dict[str, Any]]


def read(records: Records) -> ProvDocument:
    """The export, read by `prov`; any of its warnings (values it would drop) fails the test."""
    content = json.dumps(render("prov", records))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ProvDocument.deserialize(content=content, format="json")


def by_kind(document: ProvDocument) -> Counter[str]:
    return Counter(record.get_type().localpart for record in document.get_records())


def name(kind: str, key: str) -> str:
    return f"claimgraph:{kind}-{record_uuid(key)}"


def one(document: ProvDocument, identifier: str) -> ProvRecord:
    [record] = document.get_record(identifier)
    return record


def attribute(record: ProvRecord, key: str) -> set[Any]:
    return {str(v) for v in record.get_attribute(key)}


def relations(document: ProvDocument, kind: str, **match: str) -> list[ProvRecord]:
    """Relations of one kind whose formal attributes match, e.g. entity='claimgraph:...'."""
    found = []
    for record in document.get_records():
        if record.get_type().localpart != kind:
            continue
        formal = {k.localpart: str(v) for k, v in record.formal_attributes if v is not None}
        if all(formal.get(k) == v for k, v in match.items()):
            found.append(record)
    return found


class TestReadBack:
    def test_counts_match_the_records(self, records: Records) -> None:
        count = Counter(r["type"] for r in records)
        stances = [r for r in records if r["type"] == "stance"]
        sources = [r for r in records if r["type"] == "source"]
        relation_kinds = Counter(r["kind"] for r in records if r["type"] == "claim_relation")
        assert by_kind(read(records)) == Counter(
            {
                "Agent": count["actor"],
                "Entity": count["source"] + count["claim"] + count["stance"],
                "Delegation": count["affiliation"],
                "Attribution": count["stance"]
                + sum(bool(s["publisher"]) + len(s["authors"]) for s in sources),
                "Derivation": count["citation"] + count["stance"],
                "Generation": sum(bool(s["published_at"]) for s in sources)
                + sum(bool(s["stated_at"]) for s in stances),
                "Invalidation": sum(bool(s["retracted_at"]) for s in stances),
                "Specialization": relation_kinds["refines"],
                "Alternate": relation_kinds["same_as"],
                "Influence": relation_kinds["supports"] + relation_kinds["contradicts"],
            }
        )

    def test_reserialized_by_prov_it_is_the_same_document(self, records: Records) -> None:
        document = read(records)
        again = ProvDocument.deserialize(content=document.serialize(format="json"), format="json")
        assert again == document


class TestMapping:
    def test_actor_is_an_agent(self, records: Records) -> None:
        putin = one(read(records), name("actor", "vladimir-putin"))
        assert putin.get_type().localpart == "Agent"
        assert attribute(putin, "prov:type") == {"prov:Person"}
        assert attribute(putin, "prov:label") == {"Vladimir Putin"}
        assert attribute(putin, "claimgraph:external_id") == {"wikidata:Q7747"}
        assert attribute(putin, "claimgraph:country") == {"RU"}
        kremlin = one(read(records), name("actor", "kremlin"))
        assert attribute(kremlin, "prov:type") == {"prov:Organization"}
        assert attribute(kremlin, "claimgraph:kind") == {"government"}

    def test_stance_is_an_attributed_quotation_of_its_source(self, records: Records) -> None:
        document = read(records)
        stance = name("stance", "example-fact-check-on-nk-personnel-deployed")
        record = one(document, stance)
        assert record.get_type().localpart == "Entity"
        assert attribute(record, "prov:type") == {"claimgraph:Stance"}
        assert attribute(record, "prov:value") == {"on the evidence we judge it highly likely"}
        assert attribute(record, "claimgraph:label") == {"highly_likely"}
        assert attribute(record, "claimgraph:side") == {"support"}
        assert record.get_attribute("claimgraph:probability") == {0.9}
        assert attribute(record, "claimgraph:confidence") == {"moderate"}
        assert attribute(record, "claimgraph:claim") == {name("claim", "nk-personnel-deployed")}

        [said] = relations(document, "Attribution", entity=stance)
        assert str(said.get_attribute("prov:agent").pop()) == name("actor", "example-fact-check")
        [quoted] = relations(document, "Derivation", generatedEntity=stance)
        assert str(quoted.get_attribute("prov:usedEntity").pop()) == name(
            "source", "fact-check-article"
        )
        assert attribute(quoted, "prov:type") == {str(PROV["Quotation"])}
        [generated] = relations(document, "Generation", entity=stance)
        assert generated.get_attribute("prov:time") == {datetime(2024, 10, 14, 12, tzinfo=UTC)}

    def test_retraction_invalidates_the_stance(self, records: Records) -> None:
        document = read(records)
        stance = name("stance", "john-doe-on-kremlin-acknowledged")
        [retracted] = relations(document, "Invalidation", entity=stance)
        assert retracted.get_attribute("prov:time") == {datetime(2024, 10, 15, 7, 45, tzinfo=UTC)}
        assert attribute(retracted, "claimgraph:retraction_source") == {
            name("source", "reshare-correction")
        }

    @pytest.mark.parametrize(
        ("key", "types"),
        [
            ("fact-check-cites-viral-post", {"claimgraph:cites"}),
            ("fact-check-quotes-article", {"prov:PrimarySource", "claimgraph:quotes"}),
            ("reshare-republishes-viral-post", {"prov:PrimarySource", "claimgraph:republishes"}),
        ],
    )
    def test_citation_is_a_derivation(self, records: Records, key: str, types: set[str]) -> None:
        citation = one(read(records), name("citation", key))
        assert citation.get_type().localpart == "Derivation"
        assert attribute(citation, "prov:type") == types

    def test_affiliation_is_a_delegation(self, records: Records) -> None:
        key = "kim-yong-hyun-member-of-south-korean-government"
        delegation = one(read(records), name("affiliation", key))
        assert str(delegation.get_attribute("prov:delegate").pop()) == name(
            "actor", "kim-yong-hyun"
        )
        assert str(delegation.get_attribute("prov:responsible").pop()) == name(
            "actor", "south-korean-government"
        )
        assert attribute(delegation, "prov:type") == {"claimgraph:member_of"}
        assert attribute(delegation, "claimgraph:role") == {"Minister of National Defense"}

    def test_claim_relations(self, records: Records) -> None:
        document = read(records)
        refines = relations(
            document,
            "Specialization",
            specificEntity=name("claim", "kn23-used-by-russia"),
            generalEntity=name("claim", "nk-arms-sales-to-russia"),
        )
        assert len(refines) == 1
        supports = one(
            document, name("relation", "kremlin-acknowledged-supports-nk-personnel-deployed")
        )
        assert attribute(supports, "prov:type") == {"claimgraph:supports"}

    def test_source_is_an_entity_generated_when_published(self, records: Records) -> None:
        document = read(records)
        source = name("source", "fact-check-article")
        record = one(document, source)
        assert attribute(record, "prov:type") == {"claimgraph:fact_check"}
        assert attribute(record, "claimgraph:url") == {
            "https://factcheck.example/2024/10/kremlin-north-korean-troops"
        }
        [published] = relations(document, "Generation", entity=source)
        assert published.get_attribute("prov:time") == {datetime(2024, 10, 14, 12, tzinfo=UTC)}
        [publisher] = relations(document, "Attribution", entity=source)
        assert attribute(publisher, "prov:type") == {"claimgraph:publisher"}


class TestStreaming:
    def test_groups_spill_to_disk_and_still_join_into_one_document(
        self, records: Records, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        spooled: list[tempfile.SpooledTemporaryFile[bytes]] = []

        def tiny_spool() -> tempfile.SpooledTemporaryFile[bytes]:
            spooled.append(tempfile.SpooledTemporaryFile(max_size=256))  # noqa: SIM115
            return spooled[-1]

        monkeypatch.setattr(prov, "spool", tiny_spool)
        chunks = list(FORMATS["prov"].render(iter(records)))
        assert any(file._rolled for file in spooled)  # type: ignore[attr-defined]  # written to disk on the way
        assert all(file.closed for file in spooled)
        assert json.loads(b"".join(chunks)) == render("prov", records)

    def test_registered_as_json(self) -> None:
        assert FORMATS["prov"].media_type == "application/json"
        assert FORMATS["prov"].filename_suffix == ".prov.json"
