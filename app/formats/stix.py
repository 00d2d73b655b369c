"""STIX 2.1: actors as `identity`, sources as `report`, claims as `note`, stances as `opinion`.

An opinion is its actor's (`created_by_ref`) view of a claim's note (`object_refs`), with
`opinion` on STIX's five-point scale, `confidence` (0-100) that the position holds, and the quote
as `explanation`; a report lists the notes and opinions its source records. Affiliations,
citations, claim relations, authorship and countries are relationships (and locations).
Every id is uuid5 of the record's id, so the same data always exports to the same bundle.
docs/formats.md gives the mapping field by field; `stix_to_records` reads a bundle back.

Identities, relationships and opinions are written as their records arrive. A report needs the
opinions recorded in it and a note the reports that record it, both known only after the
stances, so notes and reports are written last; meanwhile each source and claim keeps its object
(no text) and 32 bytes per stance.
"""

import hashlib
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import orjson

from app.formats.common import Record, chunked, position_confidence, record_id
from app.formats.stix_import import stix_to_records
from app.formats.stix_objects import (
    Note,
    Object,
    Report,
    identity_id,
    note_id,
    packed_ref,
    packed_uuid,
    present,
    relationship,
    report_id,
    stix_object,
)
from app.formats.stix_vocab import (
    AFFILIATION_TYPES,
    ANALYTIC_CONFIDENCE_PREFIX,
    AUTHOR_TYPE,
    CITATION_TYPE,
    CLAIM_RELATION_TYPES,
    CONTENT_HASH_REFERENCE,
    IDENTITY_CLASSES,
    LOCATION_TYPE,
    MEDIA_TYPE,
    RETRACTION_REFERENCE,
    ROLE_KINDS,
    SECTORS,
    hyphenated,
    opinion_of,
    stix_id,
    stix_time,
)
from app.vocabulary import StanceLabel

__all__ = ["MEDIA_TYPE", "render", "stix_to_records"]


class _Bundle:
    def __init__(self) -> None:
        self.countries: set[str] = set()
        # Ids are hashes; the ones every stance refers to are worked out once per record.
        self.identities: dict[str, str] = {}
        self.reports: dict[str, Report] = {}
        self.notes: dict[str, Note] = {}
        # The bundle id is a digest of its objects: stable, and new when anything in it is.
        self.digest = hashlib.sha256()

    def add(self, record: Record) -> Iterator[Object]:
        kind = record.get("type")
        if kind == "actor":
            yield from self._actor(record)
        elif kind == "affiliation":
            rid = record_id(record)
            obj = relationship(
                stix_id("relationship", rid),
                record,
                AFFILIATION_TYPES.get(record["kind"], "related-to"),
                identity_id(record["actor"]),
                identity_id(record["organization"]),
            )
            obj["description"] = record.get("role")
            start, stop = record.get("valid_from"), record.get("valid_to")
            obj["start_time"] = stix_time(start) if start else None
            # STIX wants stop_time strictly after start_time; a same-day span keeps its start.
            if stop and (not start or stix_time(stop) > stix_time(start)):
                obj["stop_time"] = stix_time(stop)
            yield present(obj)
        elif kind == "source":
            yield from self._source(record)
        elif kind == "citation":
            rid = record_id(record)
            citing, cited = report_id(record["source"]), report_id(record["cited"])
            obj = relationship(stix_id("relationship", rid), record, CITATION_TYPE, citing, cited)
            obj["description"] = record["kind"]
            report = self.reports.get(str(record["source"]))
            if report is not None:
                report.fallback.append(cited)
            yield obj
        elif kind == "claim":
            self._claim(record)
        elif kind == "claim_relation":
            rid = record_id(record)
            yield relationship(
                stix_id("relationship", rid),
                record,
                CLAIM_RELATION_TYPES.get(record["kind"], "related-to"),
                note_id(record["claim"]),
                note_id(record["related"]),
            )
        elif kind == "stance":
            yield self._opinion(record)

    def identity(self, ref: object) -> str:
        return self.identities.get(str(ref)) or identity_id(ref)

    def _actor(self, record: Record) -> Iterator[Object]:
        rid = record_id(record)
        kind = str(record.get("kind") or "organization")
        self.identities[rid] = identity_id(rid)
        obj = stix_object("identity", self.identities[rid], record)
        obj.update(
            name=record["name"],
            description=record.get("description"),
            identity_class=IDENTITY_CLASSES.get(kind, "organization"),
            sectors=SECTORS.get(kind),
            roles=[hyphenated(kind)] if kind in ROLE_KINDS else None,
            external_references=[
                {"source_name": scheme, "external_id": str(value)}
                for scheme, value in sorted((record.get("external_ids") or {}).items())
            ],
        )
        yield present(obj)
        country = record.get("country")
        if country:
            location = stix_id("location", "country", country)
            if country not in self.countries:
                self.countries.add(country)
                place = stix_object("location", location, {})
                place.update(name=country, country=country)
                yield place
            yield relationship(
                stix_id("relationship", LOCATION_TYPE, rid),
                record,
                LOCATION_TYPE,
                identity_id(rid),
                location,
            )

    def _source(self, record: Record) -> Iterator[Object]:
        rid = record_id(record)
        sid = report_id(rid)
        published = record.get("published_at")
        obj = stix_object("report", sid, record, created=published)
        url, content_hash = record.get("url"), record.get("content_hash")
        reference: dict[str, object] | None = None
        if url:
            reference = {"source_name": urlsplit(url).hostname or "url", "url": url}
            if content_hash:
                reference["hashes"] = {"SHA-256": content_hash}
        elif content_hash:
            reference = {"source_name": CONTENT_HASH_REFERENCE, "external_id": content_hash}
        publisher = identity_id(record["publisher"]) if record.get("publisher") else None
        obj.update(
            created_by_ref=publisher,
            name=record["title"],
            published=stix_time(published),
            report_types=[hyphenated(str(record.get("kind") or "other"))],
            lang=record.get("language"),
            external_references=[reference] if reference else None,
        )
        authors = [identity_id(author) for author in record.get("authors") or []]
        self.reports[rid] = Report(present(obj), [*authors, *filter(None, [publisher])])
        for author in record.get("authors") or []:
            yield relationship(
                stix_id("relationship", AUTHOR_TYPE, rid, author),
                record,
                AUTHOR_TYPE,
                sid,
                identity_id(author),
            )

    def _claim(self, record: Record) -> None:
        rid = record_id(record)
        obj = stix_object("note", note_id(rid), record)
        obj.update(content=record["statement"], labels=list(record.get("tags") or []))
        about = [self.identity(actor) for actor in record.get("about") or []]
        self.notes[rid] = Note(present(obj), about, packed_uuid(obj["id"]))

    def _opinion(self, record: Record) -> Object:
        rid = record_id(record)
        label = StanceLabel(record["label"])
        note = self.notes.get(str(record["claim"]))
        report = self.reports.get(str(record["source"]))
        oid = stix_id("opinion", rid)
        nid = note_id(record["claim"]) if note is None else note.obj["id"]
        obj = stix_object("opinion", oid, record, created=record.get("stated_at"))
        labels = [label.value]
        if record.get("confidence"):
            labels.append(f"{ANALYTIC_CONFIDENCE_PREFIX}{record['confidence']}")
        obj.update(
            created_by_ref=self.identity(record["actor"]),
            explanation=record.get("quote"),
            opinion=opinion_of(label),
            object_refs=[nid],
            confidence=position_confidence(label, record.get("probability")),
            labels=labels,
        )
        if record.get("retracted_at"):
            # Revoked: its creator (the actor) no longer stands by it, as of `modified`.
            retracted = stix_time(record["retracted_at"])
            obj.update(revoked=True, modified=max(obj["created"], retracted))
            obj["external_references"] = self._retraction(record.get("retraction_source"))
        if report is not None:
            report.contents += packed_uuid(oid)
            report.contents += packed_uuid(nid) if note is None else note.packed
        if note is not None:
            note.reports[report_id(record["source"]) if report is None else report.obj["id"]] = None
        return present(obj)

    def _retraction(self, source: object) -> list[dict[str, object]] | None:
        if not source:
            return None
        return [{"source_name": RETRACTION_REFERENCE, "external_id": report_id(source)}]

    def deferred(self) -> Iterator[Object]:
        """The notes, then the reports, now that every stance is known."""
        for note in self.notes.values():
            refs = [*note.about, *note.reports]
            yield {**note.obj, "object_refs": refs or [note.obj["id"]]}
        for report in self.reports.values():
            contained: dict[str, None] = {}
            contents = report.contents
            for at in range(0, len(contents), 32):
                contained[packed_ref("note", contents[at + 16 : at + 32])] = None
                contained[packed_ref("opinion", contents[at : at + 16])] = None
            # STIX requires at least one ref; a source that records no stance points at its
            # authors, publisher or what it cites, and failing those at itself.
            listed = list(contained) or report.fallback or [report.obj["id"]]
            yield {**report.obj, "object_refs": listed}


def render(records: Iterable[Record]) -> Iterator[bytes]:
    """The records as one STIX 2.1 bundle, in chunks."""
    return chunked(_pieces(records))


def _pieces(records: Iterable[Record]) -> Iterator[bytes]:
    bundle = _Bundle()
    yield b'{"type":"bundle","objects":['
    count = 0
    for record in records:
        for obj in bundle.add(record):
            yield from _emit(bundle, obj, count)
            count += 1
    for obj in bundle.deferred():
        yield from _emit(bundle, obj, count)
        count += 1
    # Written last (key order is free in JSON) so that it can depend on everything above.
    yield b'],"id":"' + stix_id("bundle", bundle.digest.hexdigest()).encode() + b'"}'


def _emit(bundle: _Bundle, obj: Object, count: int) -> Iterator[bytes]:
    data = orjson.dumps(obj)
    bundle.digest.update(data)
    yield (b"," if count else b"") + data
