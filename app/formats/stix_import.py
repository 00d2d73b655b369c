"""A STIX 2.1 bundle read back as claimgraph records: identities, reports, notes and opinions.

The reverse of app/formats/stix.py, for bundles it wrote and for those of other platforms:
identities become actors, reports sources, notes claims and opinions stances, and the
relationships between them affiliations, authorship, citations and claim relations. Records
come out in dependency order, keyed by STIX id, with refs as keys. What is dropped, and which
labels collapse when a bundle does not carry claimgraph's own, is in docs/formats.md.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from app.formats.common import (
    Record,
    parse_time,
)
from app.formats.stix_values import actor_kind, opinion_label, reference_hash
from app.formats.stix_vocab import (
    AFFILIATION_TYPES,
    ANALYTIC_CONFIDENCE_PREFIX,
    AUTHOR_TYPE,
    CITATION_TYPE,
    CLAIM_RELATION_TYPES,
    EPOCH,
    LOCATION_TYPE,
    OPINIONS,
    RETRACTION_REFERENCE,
    SOURCE_KINDS,
    record_time,
)
from app.vocabulary import (
    CitationKind,
    Confidence,
    SourceKind,
)

Object = dict[str, Any]

CITATION_KINDS = frozenset(CitationKind)
CONFIDENCES = frozenset(Confidence)

AFFILIATION_KINDS = {stix: kind for kind, stix in AFFILIATION_TYPES.items()}
CLAIM_RELATION_KINDS = {stix: kind for kind, stix in CLAIM_RELATION_TYPES.items()}


def stix_to_records(bundle: dict[str, Any]) -> Iterator[Record]:
    """The claimgraph records a STIX 2.1 bundle holds, in dependency order, keyed by STIX id."""
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise ValueError("not a STIX bundle: expected an object with type 'bundle'")
    if not isinstance(bundle.get("objects", []), list):
        raise ValueError("not a STIX bundle: 'objects' must be a list")
    return _Reader(bundle).records()


def _modified(obj: Object) -> datetime:
    return parse_time(obj.get("modified")) or EPOCH


def _latest(objects: list[Any]) -> dict[str, Object]:
    """Each object by id, keeping its latest version; revoked objects are kept (see opinions)."""
    found: dict[str, Object] = {}
    for obj in objects:
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or "type" not in obj:
            continue
        known = found.get(obj["id"])
        if known is None or _modified(obj) > _modified(known):
            found[obj["id"]] = obj
    return found


def _link(rel: Object, type: str, ends: tuple[str, str], kind: str) -> Record:
    """A STIX relationship as the record of a link of `type`: `ends` names the record's fields
    for the relationship's source and target (by their keys, the STIX ids)."""
    owner, other = ends
    return {
        "type": type,
        "key": rel["id"],
        owner: rel["source_ref"],
        other: rel["target_ref"],
        "kind": kind,
    }


class _Reader:
    def __init__(self, bundle: dict[str, Any]) -> None:
        self.bundle_key = str(bundle.get("id") or "bundle")
        self.objects = _latest(bundle.get("objects") or [])
        # Other objects (indicators, malware, ...) have no claimgraph counterpart: dropped.
        self.identities = self._live("identity")
        self.reports = self._live("report")
        self.notes = {k: v for k, v in self._live("note").items() if str(v.get("content", ""))}
        self.relationships = list(self._live("relationship").values())

    def _live(self, kind: str) -> dict[str, Object]:
        return {k: v for k, v in self.objects.items() if v["type"] == kind and not v.get("revoked")}

    def _related(self, kind: str, source: str) -> list[str]:
        return [
            r["target_ref"]
            for r in self.relationships
            if r.get("relationship_type") == kind and r.get("source_ref") == source
        ]

    def records(self) -> Iterator[Record]:
        yield from map(self._actor, self.identities.values())
        yield from self._between(self.identities, AFFILIATION_KINDS, self._affiliation)
        yield from map(self._source, self.reports.values())
        opinions = [o for o in self.objects.values() if o["type"] == "opinion" and o.get("opinion")]
        recorded_in = self._recorded_in()
        if any(o["id"] not in recorded_in for o in opinions):
            yield self._bundle_source()
        yield from self._between(self.reports, {CITATION_TYPE: "cites"}, self._citation)
        yield from map(self._claim, self.notes.values())
        yield from self._between(self.notes, CLAIM_RELATION_KINDS, self._claim_relation)
        for opinion in opinions:
            yield from self._stances(opinion, recorded_in.get(opinion["id"], self.bundle_key))

    def _between(
        self, ends: dict[str, Object], kinds: dict[str, str], make: Callable[[Object, str], Record]
    ) -> Iterator[Record]:
        for rel in self.relationships:
            kind = kinds.get(str(rel.get("relationship_type")))
            if kind and rel.get("source_ref") in ends and rel.get("target_ref") in ends:
                yield make(rel, kind)

    def _actor(self, identity: Object) -> Record:
        country = next(
            (
                str(place["country"]).upper()
                for ref in self._related(LOCATION_TYPE, identity["id"])
                if (place := self.objects.get(ref)) and place.get("country")
            ),
            None,
        )
        return {
            "type": "actor",
            "key": identity["id"],
            "kind": actor_kind(identity),
            "name": identity.get("name") or identity["id"],
            "aliases": [],
            "country": country,
            "description": identity.get("description"),
            "external_ids": {
                str(ref["source_name"]): str(ref["external_id"])
                for ref in identity.get("external_references") or []
                if ref.get("source_name") and ref.get("external_id")
            },
            "reliability": None,
        }

    def _affiliation(self, rel: Object, kind: str) -> Record:
        return {
            **_link(rel, "affiliation", ("actor", "organization"), kind),
            "role": rel.get("description"),
            "valid_from": record_time(rel.get("start_time")),
            "valid_to": record_time(rel.get("stop_time")),
        }

    def _source(self, report: Object) -> Record:
        references = [
            ref
            for ref in report.get("external_references") or []
            if ref.get("source_name") != RETRACTION_REFERENCE
        ]
        url = next((ref["url"] for ref in references if ref.get("url")), None)
        content_hash = next(filter(None, map(reference_hash, references)), None)
        kinds = [SOURCE_KINDS.get(str(t)) for t in report.get("report_types") or []]
        publisher = report.get("created_by_ref")
        return {
            "type": "source",
            "key": report["id"],
            "kind": next(filter(None, kinds), SourceKind.report.value),
            "title": report.get("name") or report["id"],
            "url": url,
            "publisher": publisher if publisher in self.identities else None,
            "authors": [
                ref for ref in self._related(AUTHOR_TYPE, report["id"]) if ref in self.identities
            ],
            "published_at": record_time(report.get("published")),
            "retrieved_at": None,
            "language": report.get("lang"),
            "content_hash": content_hash,
            "text": None,
        }

    def _bundle_source(self) -> Record:
        """The bundle itself, as the document that records opinions no report contains."""
        return {
            "type": "source",
            "key": self.bundle_key,
            "kind": SourceKind.other.value,
            "title": f"STIX bundle {self.bundle_key}",
            "url": None,
            "publisher": None,
            "authors": [],
            "published_at": None,
            "retrieved_at": None,
            "language": None,
            "content_hash": None,
            "text": None,
        }

    def _recorded_in(self) -> dict[str, str]:
        """Opinion id -> the first report (in bundle order) that lists it."""
        found: dict[str, str] = {}
        for report in self.reports.values():
            for ref in report.get("object_refs") or []:
                found.setdefault(ref, report["id"])
        return found

    def _citation(self, rel: Object, default: str) -> Record:
        described = str(rel.get("description") or "")
        kind = described if described in CITATION_KINDS else default
        return _link(rel, "citation", ("source", "cited"), kind)

    def _claim(self, note: Object) -> Record:
        return {
            "type": "claim",
            "key": note["id"],
            "statement": str(note["content"]).strip(),
            "tags": [str(label) for label in note.get("labels") or []],
            "about": [ref for ref in note.get("object_refs") or [] if ref in self.identities],
            "occurred_from": None,
            "occurred_to": None,
        }

    def _claim_relation(self, rel: Object, kind: str) -> Record:
        return _link(rel, "claim_relation", ("claim", "related"), kind)

    def _stances(self, opinion: Object, source: str) -> Iterator[Record]:
        actor = opinion.get("created_by_ref")
        notes = [ref for ref in opinion.get("object_refs") or [] if ref in self.notes]
        if actor not in self.identities or opinion.get("opinion") not in OPINIONS.values():
            return  # a stance needs an actor, and a STIX opinion value to read a label from
        label, probability = opinion_label(opinion)
        tags = [str(t) for t in opinion.get("labels") or []]
        confidence = next(
            (
                t.removeprefix(ANALYTIC_CONFIDENCE_PREFIX)
                for t in tags
                if t.startswith(ANALYTIC_CONFIDENCE_PREFIX)
                and t.removeprefix(ANALYTIC_CONFIDENCE_PREFIX) in CONFIDENCES
            ),
            None,
        )
        revoked = bool(opinion.get("revoked"))
        retraction_source = next(
            (
                ref.get("external_id")
                for ref in opinion.get("external_references") or []
                if ref.get("source_name") == RETRACTION_REFERENCE
                and ref.get("external_id") in self.reports
            ),
            None,
        )
        for note in notes:
            yield {
                "type": "stance",
                "key": opinion["id"] if len(notes) == 1 else f"{opinion['id']}/{note}",
                "claim": note,
                "actor": actor,
                "source": source,
                "label": label.value,
                "probability": probability,
                "confidence": confidence,
                "quote": opinion.get("explanation"),
                "stated_at": record_time(opinion.get("created")),
                "retracted_at": record_time(opinion.get("modified")) if revoked else None,
                "retraction_source": retraction_source if revoked else None,
            }
