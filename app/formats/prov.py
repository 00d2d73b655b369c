"""W3C PROV-JSON: sources, claims and stances as entities, actors as agents, and their relations.

A stance is an entity (its value is the quote) attributed to its actor (`wasAttributedTo`) and
quoted from its source (`wasDerivedFrom` typed `prov:Quotation`, i.e. `wasQuotedFrom`); when it
was said is its generation time and a retraction its invalidation. Citations are derivations
between sources (`prov:PrimarySource`, i.e. `hadPrimarySource`, for quotes and republications),
affiliations are delegations (`actedOnBehalfOf`). Ids and attributes use the `claimgraph`
prefix. docs/formats.md gives the mapping field by field.

PROV-JSON groups records by kind ("entity", "agent", "wasAttributedTo", ...), while records
arrive by table, so each group is written to its own spool (in memory while small, on disk
when large) and the groups are joined at the end: memory stays flat however large the export.
"""

import tempfile
from collections.abc import Iterable, Iterator

import orjson

from app.formats.common import Record, chunked, iso, read_back, record_id, spool
from app.vocabulary import STANCE_LABELS, ActorKind, CitationKind, StanceLabel

MEDIA_TYPE = "application/json"
NAMESPACE = "urn:claimgraph:"
PREFIXES = {"claimgraph": NAMESPACE}

# The order groups are written in: elements, then relations.
GROUPS = (
    "agent",
    "entity",
    "actedOnBehalfOf",
    "wasAttributedTo",
    "wasDerivedFrom",
    "wasGeneratedBy",
    "wasInvalidatedBy",
    "specializationOf",
    "alternateOf",
    "wasInfluencedBy",
)
AGENT_TYPES: dict[str, str | None] = {ActorKind.person: "prov:Person", ActorKind.group: None}
# A quoted or republished source is the citing one's primary source.
PRIMARY_SOURCE_KINDS = frozenset({CitationKind.quotes, CitationKind.republishes})


def qname(kind: str, ref: object) -> str:
    """The qualified name of a record, e.g. `claimgraph:stance-<uuid>`."""
    return f"claimgraph:{kind}-{ref}"


def _name(value: str) -> dict[str, str]:
    return {"$": value, "type": "xsd:QName"}


def _time(value: object) -> dict[str, str] | None:
    text = iso(value)
    return None if text is None else {"$": text, "type": "xsd:dateTime"}


def _present(attributes: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in attributes.items() if v is not None and v != [] and v != ""}


class _Document:
    def __init__(self) -> None:
        self.groups: dict[str, tempfile.SpooledTemporaryFile[bytes]] = {}

    def put(self, group: str, key: str, attributes: dict[str, object]) -> None:
        entry = orjson.dumps(key) + b":" + orjson.dumps(_present(attributes))
        file = self.groups.get(group)
        if file is None:
            self.groups[group] = file = spool()
            file.write(entry)
        else:
            file.write(b"," + entry)

    def close(self) -> None:
        for file in self.groups.values():
            file.close()

    def add(self, record: Record) -> None:
        kind = record.get("type")
        if kind == "actor":
            self._actor(record)
        elif kind == "affiliation":
            self.put(
                "actedOnBehalfOf",
                qname("affiliation", record_id(record)),
                {
                    "prov:delegate": qname("actor", record["actor"]),
                    "prov:responsible": qname("actor", record["organization"]),
                    "prov:type": _name(f"claimgraph:{record['kind']}"),
                    "claimgraph:role": record.get("role"),
                    "claimgraph:valid_from": _time(record.get("valid_from")),
                    "claimgraph:valid_to": _time(record.get("valid_to")),
                },
            )
        elif kind == "source":
            self._source(record)
        elif kind == "citation":
            kind_type = _name(f"claimgraph:{record['kind']}")
            primary = record["kind"] in PRIMARY_SOURCE_KINDS
            types = [_name("prov:PrimarySource"), kind_type] if primary else kind_type
            self.put(
                "wasDerivedFrom",
                qname("citation", record_id(record)),
                {
                    "prov:generatedEntity": qname("source", record["source"]),
                    "prov:usedEntity": qname("source", record["cited"]),
                    "prov:type": types,
                },
            )
        elif kind == "claim":
            self._claim(record)
        elif kind == "claim_relation":
            self._claim_relation(record)
        elif kind == "stance":
            self._stance(record)

    def _actor(self, record: Record) -> None:
        actor_kind = record.get("kind")
        prov_type = AGENT_TYPES.get(actor_kind or "", "prov:Organization")
        external_ids = record.get("external_ids") or {}
        self.put(
            "agent",
            qname("actor", record_id(record)),
            {
                "prov:type": _name(prov_type) if prov_type else None,
                "prov:label": record["name"],
                "claimgraph:kind": actor_kind,
                "claimgraph:alias": list(record.get("aliases") or []),
                "claimgraph:country": record.get("country"),
                "claimgraph:description": record.get("description"),
                "claimgraph:reliability": record.get("reliability"),
                "claimgraph:external_id": [f"{k}:{v}" for k, v in sorted(external_ids.items())],
            },
        )

    def _source(self, record: Record) -> None:
        name = qname("source", record_id(record))
        url = record.get("url")
        self.put(
            "entity",
            name,
            {
                "prov:type": _name(f"claimgraph:{record['kind']}"),
                "prov:label": record["title"],
                "claimgraph:url": {"$": url, "type": "xsd:anyURI"} if url else None,
                "claimgraph:language": record.get("language"),
                "claimgraph:retrieved_at": _time(record.get("retrieved_at")),
                "claimgraph:content_hash": record.get("content_hash"),
            },
        )
        published = iso(record.get("published_at"))
        if published:
            self.put(
                "wasGeneratedBy",
                f"_:published-{record_id(record)}",
                {"prov:entity": name, "prov:time": published},
            )
        if record.get("publisher"):
            self._attribute(name, record["publisher"], "publisher", record_id(record))
        for author in record.get("authors") or []:
            self._attribute(name, author, "author", f"{record_id(record)}-{author}")

    def _attribute(self, entity: str, actor: object, role: str, key: str) -> None:
        self.put(
            "wasAttributedTo",
            f"_:{role}-{key}",
            {
                "prov:entity": entity,
                "prov:agent": qname("actor", actor),
                "prov:type": _name(f"claimgraph:{role}"),
            },
        )

    def _claim(self, record: Record) -> None:
        self.put(
            "entity",
            qname("claim", record_id(record)),
            {
                "prov:type": _name("claimgraph:Claim"),
                "prov:value": record["statement"],
                "claimgraph:tag": list(record.get("tags") or []),
                "claimgraph:about": [_name(qname("actor", a)) for a in record.get("about") or []],
                "claimgraph:occurred_from": _time(record.get("occurred_from")),
                "claimgraph:occurred_to": _time(record.get("occurred_to")),
            },
        )

    def _claim_relation(self, record: Record) -> None:
        claim, related = qname("claim", record["claim"]), qname("claim", record["related"])
        key = qname("relation", record_id(record))
        if record["kind"] == "refines":  # a more specific case of the related claim
            self.put(
                "specializationOf",
                key,
                {"prov:specificEntity": claim, "prov:generalEntity": related},
            )
        elif record["kind"] == "same_as":
            self.put("alternateOf", key, {"prov:alternate1": claim, "prov:alternate2": related})
        else:  # supports, contradicts: the claim bears on the related one
            self.put(
                "wasInfluencedBy",
                key,
                {
                    "prov:influencee": related,
                    "prov:influencer": claim,
                    "prov:type": _name(f"claimgraph:{record['kind']}"),
                },
            )

    def _stance(self, record: Record) -> None:
        sid = record_id(record)
        name = qname("stance", sid)
        label = StanceLabel(record["label"])
        probability = record.get("probability")
        self.put(
            "entity",
            name,
            {
                "prov:type": _name("claimgraph:Stance"),
                "prov:value": record.get("quote"),
                "claimgraph:claim": _name(qname("claim", record["claim"])),
                "claimgraph:label": label.value,
                "claimgraph:side": STANCE_LABELS[label].side.value,
                "claimgraph:probability": (
                    None
                    if probability is None
                    else {"$": repr(float(probability)), "type": "xsd:double"}
                ),
                "claimgraph:confidence": record.get("confidence"),
            },
        )
        self.put(
            "wasAttributedTo",
            f"_:said-{sid}",
            {"prov:entity": name, "prov:agent": qname("actor", record["actor"])},
        )
        # With a quote the stance is a quotation of its source; without, merely drawn from it.
        self.put(
            "wasDerivedFrom",
            f"_:recorded-{sid}",
            {
                "prov:generatedEntity": name,
                "prov:usedEntity": qname("source", record["source"]),
                "prov:type": _name(
                    "prov:Quotation" if record.get("quote") else "claimgraph:recorded_in"
                ),
            },
        )
        stated = iso(record.get("stated_at"))
        if stated:
            self.put(
                "wasGeneratedBy", f"_:stated-{sid}", {"prov:entity": name, "prov:time": stated}
            )
        retracted = iso(record.get("retracted_at"))
        if retracted:
            retraction_source = record.get("retraction_source")
            self.put(
                "wasInvalidatedBy",
                f"_:retracted-{sid}",
                {
                    "prov:entity": name,
                    "prov:time": retracted,
                    "claimgraph:retraction_source": (
                        _name(qname("source", retraction_source)) if retraction_source else None
                    ),
                },
            )

    def pieces(self) -> Iterator[bytes]:
        yield b'{"prefix":' + orjson.dumps(PREFIXES)
        for group in GROUPS:
            file = self.groups.get(group)
            if file is not None:
                yield b',"' + group.encode() + b'":{'
                yield from read_back(file)
                yield b"}"
        yield b"}"


def render(records: Iterable[Record]) -> Iterator[bytes]:
    """The records as one PROV-JSON document, in chunks."""
    return chunked(_pieces(records))


def _pieces(records: Iterable[Record]) -> Iterator[bytes]:
    document = _Document()
    try:
        for record in records:
            document.add(record)
        yield from document.pieces()
    finally:
        document.close()
