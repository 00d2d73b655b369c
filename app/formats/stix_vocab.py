"""The STIX 2.1 names claimgraph's vocabularies map to, shared by the export and the import."""

import functools
import uuid
from datetime import UTC, datetime

from app.formats.common import STRENGTH, parse_time, uuid5_text
from app.vocabulary import (
    ActorKind,
    AffiliationKind,
    ClaimRelationKind,
    SourceKind,
    StanceLabel,
)

SPEC_VERSION = "2.1"
MEDIA_TYPE = "application/stix+json;version=2.1"

# Object ids are uuid5(NAMESPACE, record id): the same record always gets the same STIX id.
# STIX 2.1 prefers UUIDv4 but allows other versions under the producer's own namespace
# (never the one reserved for cyber observables). Never change it.
NAMESPACE = uuid.UUID("9c3f1f0a-7a55-5d1e-a9a8-2f4b1d6c8e71")

# STIX requires `created`/`modified` (and a report's `published`); a record without the time
# gets this stand-in rather than the export time, so that the same data renders the same bytes.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

OPINIONS: dict[int, str] = {
    2: "strongly-agree",
    1: "agree",
    0: "neutral",
    -1: "disagree",
    -2: "strongly-disagree",
}

IDENTITY_CLASSES: dict[str, str] = {
    ActorKind.person: "individual",
    ActorKind.group: "group",
}  # every other kind: "organization"
SECTORS: dict[str, list[str]] = {
    ActorKind.government: ["government"],
    ActorKind.agency: ["government"],
    ActorKind.military: ["defense"],
    ActorKind.media: ["communications"],
}
# Kinds that STIX's class and sectors cannot tell apart travel in `roles`, e.g. "fact-checker".
ROLE_KINDS = frozenset(
    {ActorKind.government, ActorKind.agency, ActorKind.military, ActorKind.media}
    | {ActorKind.fact_checker}
)

AFFILIATION_TYPES = {kind.value: kind.value.replace("_", "-") for kind in AffiliationKind}
CITATION_TYPE = "derived-from"
AUTHOR_TYPE = "authored-by"
LOCATION_TYPE = "located-at"
CLAIM_RELATION_TYPES = {
    ClaimRelationKind.same_as.value: "duplicate-of",
    ClaimRelationKind.supports.value: "supports",
    ClaimRelationKind.contradicts.value: "contradicts",
    ClaimRelationKind.refines.value: "refines",
}
RETRACTION_REFERENCE = "claimgraph-retraction-source"
CONTENT_HASH_REFERENCE = "sha-256"
ANALYTIC_CONFIDENCE_PREFIX = "analytic-confidence:"


def opinion_of(label: StanceLabel) -> str:
    """The STIX opinion value for a stance label."""
    return OPINIONS[STRENGTH[label]]


def labels_for(opinion: str) -> list[StanceLabel]:
    """The labels that map to a STIX opinion value, strongest support first."""
    return [label for label, strength in STRENGTH.items() if OPINIONS[strength] == opinion]


def hyphenated(value: str) -> str:
    return value.replace("_", "-")


def underscored(value: str) -> str:
    return value.replace("-", "_")


def stix_id(kind: str, *names: object) -> str:
    """The deterministic STIX id of an object made from one record (or a pair of them)."""
    return f"{kind}--{uuid5_text(NAMESPACE, ':'.join(str(n) for n in names))}"


def stix_time(value: object) -> str:
    """A STIX timestamp: UTC, millisecond precision, `Z` (as `created`/`modified` require)."""
    if isinstance(value, str):
        return _stix_time_text(value)
    moment = parse_time(value) or EPOCH
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@functools.lru_cache(maxsize=4096)
def _stix_time_text(value: str) -> str:
    moment = parse_time(value) or EPOCH
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_time(value: object) -> str | None:
    """A STIX timestamp read back as a record's time: None for the EPOCH stand-in."""
    moment = parse_time(value)
    if moment is None or moment == EPOCH:
        return None
    return moment.isoformat().replace("+00:00", "Z")


SOURCE_KINDS = {hyphenated(kind.value): kind.value for kind in SourceKind}
