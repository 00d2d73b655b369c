"""schema.org ClaimReview as JSON-LD: fact-checkers' verdicts as `ClaimReview`, the rest as `Claim`.

One document, `{"@context": "https://schema.org", "@graph": [...]}`, one graph node per claim:
a claim that a fact-checker reviewed becomes one `ClaimReview` per verdict (each embedding the
full `Claim` as `itemReviewed`), any other claim a `Claim`. The other stances become the
`Claim`'s data: every source that records one is an `appearance`, and the actors on the
support side are its `author`s. docs/formats.md gives the mapping field by field.

Nodes are written once the input is read, because a claim's appearances come with stances that
may follow its review. What is kept meanwhile is compact: a small node per actor and source
(no text), the claim's own fields, 8 bytes per stance, and the fact-checkers' stances.
"""

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import orjson

from app.formats.common import STRENGTH, Record, as_uuid, chunked, iso, parse_time, record_id
from app.vocabulary import STANCE_LABELS, ActorKind, SourceKind, StanceLabel, StanceSide

MEDIA_TYPE = "application/ld+json"
CONTEXT = "https://schema.org"

SOURCE_TYPES: dict[str, str] = {
    SourceKind.news_article: "NewsArticle",
    SourceKind.report: "Report",
    SourceKind.social_post: "SocialMediaPosting",
    SourceKind.fact_check: "Article",
}
BEST_RATING, WORST_RATING = 5, 1


def node_id(value: object) -> str:
    """The JSON-LD @id of a record: its UUID as a URN."""
    return as_uuid(value).urn


def rating_value(label: StanceLabel) -> int:
    """1 (strongest dispute, e.g. `denied`) to 5 (strongest support, e.g. `confirmed`)."""
    return 3 + STRENGTH[label]


def _actor_node(record: Record) -> dict[str, object]:
    kind = "Person" if record.get("kind") == ActorKind.person else "Organization"
    node: dict[str, object] = {
        "@type": kind,
        "@id": node_id(record_id(record)),
        "name": record["name"],
    }
    wikidata = (record.get("external_ids") or {}).get("wikidata")
    if wikidata:
        node["sameAs"] = f"https://www.wikidata.org/wiki/{wikidata}"
    return node


@dataclass(slots=True)
class _Claim:
    node: dict[str, object]
    # One packed entry per (non-fact-checker, current) stance: actor index, source index and
    # whether it supports the claim; 8 bytes each however many stances there are.
    stances: "array[int]" = field(default_factory=lambda: array("Q"))
    first_said: str | None = None
    reviews: list[dict[str, object]] = field(default_factory=list)


class _Graph:
    def __init__(self) -> None:
        self.actor_index: dict[str, int] = {}
        self.actors: list[dict[str, object]] = []
        self.fact_checkers: set[int] = set()
        self.source_index: dict[str, int] = {}
        self.sources: list[dict[str, object]] = []
        self.source_urls: list[str | None] = []
        self.claims: dict[str, _Claim] = {}

    def actor_ref(self, ref: object) -> tuple[int, dict[str, object]]:
        index = self.actor_index.get(str(ref))
        if index is None:  # not in this export: refer to it by id alone
            return -1, {"@id": node_id(ref)}
        return index, self.actors[index]

    def source_ref(self, ref: object) -> tuple[int, dict[str, object]]:
        index = self.source_index.get(str(ref))
        if index is None:
            return -1, {"@id": node_id(ref)}
        return index, self.sources[index]

    def add(self, record: Record) -> None:
        kind = record.get("type")
        if kind == "actor":
            self.actor_index[record_id(record)] = len(self.actors)
            if record.get("kind") == ActorKind.fact_checker:
                self.fact_checkers.add(len(self.actors))
            self.actors.append(_actor_node(record))
        elif kind == "source":
            self.source_index[record_id(record)] = len(self.sources)
            self.source_urls.append(record.get("url"))
            self.sources.append(self._source_node(record))
        elif kind == "claim":
            self.claims[record_id(record)] = _Claim(self._claim_node(record))
        elif kind == "stance":
            self._add_stance(record)
        # Affiliations, citations and claim relations have no place in ClaimReview.

    def _source_node(self, record: Record) -> dict[str, object]:
        node: dict[str, object] = {
            "@type": SOURCE_TYPES.get(record.get("kind") or "", "CreativeWork"),
            "@id": node_id(record_id(record)),
            "headline": record["title"],
        }
        optional = {
            "url": record.get("url"),
            "datePublished": iso(record.get("published_at")),
            "inLanguage": record.get("language"),
        }
        node.update((k, v) for k, v in optional.items() if v)
        authors = [self.actor_ref(ref)[1] for ref in record.get("authors") or []]
        if authors:
            node["author"] = authors
        if record.get("publisher"):
            node["publisher"] = self.actor_ref(record["publisher"])[1]
        return node

    def _claim_node(self, record: Record) -> dict[str, object]:
        node: dict[str, object] = {
            "@type": "Claim",
            "@id": node_id(record_id(record)),
            "text": record["statement"],
        }
        if record.get("tags"):
            node["keywords"] = list(record["tags"])
        about = [self.actor_ref(ref)[1] for ref in record.get("about") or []]
        if about:
            node["about"] = about
        start, end = iso(record.get("occurred_from")), iso(record.get("occurred_to"))
        if start or end:
            node["temporalCoverage"] = f"{start or '..'}/{end or '..'}"
        return node

    def _add_stance(self, record: Record) -> None:
        claim = self.claims.get(str(record["claim"]))
        if claim is None or record.get("retracted_at"):
            return  # ClaimReview states current positions; a retracted one is left out
        actor, actor_node = self.actor_ref(record["actor"])
        source, source_node = self.source_ref(record["source"])
        label = StanceLabel(record["label"])
        if actor in self.fact_checkers:
            claim.reviews.append(self._review(record, label, actor_node, source, source_node))
            return
        supports = STANCE_LABELS[label].side is StanceSide.support
        if actor >= 0 and source >= 0:
            claim.stances.append(actor << 33 | source << 1 | supports)
        said = iso(record.get("stated_at"))
        if supports and said and (claim.first_said is None or _before(said, claim.first_said)):
            claim.first_said = said

    def _review(
        self,
        record: Record,
        label: StanceLabel,
        author: dict[str, object],
        source: int,
        source_node: dict[str, object],
    ) -> dict[str, object]:
        node: dict[str, object] = {"@type": "ClaimReview", "@id": node_id(record_id(record))}
        if source >= 0 and self.source_urls[source]:
            node["url"] = self.source_urls[source]
        if "headline" in source_node:
            node["headline"] = source_node["headline"]
        node["author"] = author
        if "publisher" in source_node:
            node["publisher"] = source_node["publisher"]
        published = iso(record.get("stated_at")) or source_node.get("datePublished")
        if published:
            node["datePublished"] = published
        if "inLanguage" in source_node:
            node["inLanguage"] = source_node["inLanguage"]
        if record.get("quote"):
            node["reviewBody"] = record["quote"]
        node["reviewRating"] = {
            "@type": "Rating",
            "ratingValue": rating_value(label),
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": label.value,
        }
        return node

    def nodes(self) -> Iterator[dict[str, object]]:
        for claim in self.claims.values():
            node = self._finished(claim)
            if not claim.reviews:
                yield node
            for review in claim.reviews:
                yield {**review, "claimReviewed": node["text"], "itemReviewed": node}

    def _finished(self, claim: _Claim) -> dict[str, object]:
        node = dict(claim.node)
        authors: dict[int, None] = {}
        appearances: dict[int, None] = {}
        for packed in claim.stances:
            appearances[packed >> 1 & 0xFFFFFFFF] = None
            if packed & 1:
                authors[packed >> 33] = None
        if authors:
            node["author"] = [self.actors[i] for i in authors]
        if claim.first_said:
            node["datePublished"] = claim.first_said
        if appearances:
            node["appearance"] = [self.sources[i] for i in appearances]
        return node


def _before(a: str, b: str) -> bool:
    first, second = parse_time(a), parse_time(b)
    return first is not None and second is not None and first < second


def render(records: Iterable[Record]) -> Iterator[bytes]:
    """The records as one ClaimReview JSON-LD document, in chunks."""
    return chunked(_pieces(records))


def _pieces(records: Iterable[Record]) -> Iterator[bytes]:
    graph = _Graph()
    for record in records:
        graph.add(record)
    yield b'{"@context":"' + CONTEXT.encode() + b'","@graph":['
    for i, node in enumerate(graph.nodes()):
        yield (b"," if i else b"") + orjson.dumps(node)
    yield b"]}"
