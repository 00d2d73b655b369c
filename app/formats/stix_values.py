"""What a STIX object's properties read back as in claimgraph: an identity's actor kind, an
opinion's stance label and probability, a reference's content hash."""

from typing import Any

from app.formats.common import position_confidence, probability_from_confidence
from app.formats.stix_vocab import CONTENT_HASH_REFERENCE, labels_for, underscored
from app.vocabulary import STANCE_LABELS, ActorKind, StanceLabel, probability_problem

Object = dict[str, Any]

ACTOR_KINDS = frozenset(ActorKind)
STANCE_LABEL_VALUES = frozenset(StanceLabel)
# The label an opinion reads back as when the bundle gives neither claimgraph's label nor a
# confidence that picks a band: the unhedged label of its strength.
DEFAULT_LABELS = {
    "strongly-agree": StanceLabel.confirmed,
    "agree": StanceLabel.asserted,
    "neutral": StanceLabel.reported,
    "disagree": StanceLabel.questioned,
    "strongly-disagree": StanceLabel.denied,
}


def reference_hash(reference: Object) -> str | None:
    digest = (reference.get("hashes") or {}).get("SHA-256")
    if not digest and reference.get("source_name") == CONTENT_HASH_REFERENCE:
        digest = reference.get("external_id")
    return str(digest) if digest else None


def actor_kind(identity: Object) -> str:
    for role in identity.get("roles") or []:
        if underscored(str(role).lower()) in ACTOR_KINDS:
            return underscored(str(role).lower())
    identity_class = identity.get("identity_class")
    if identity_class == "individual":
        return ActorKind.person.value
    if identity_class == "group":
        return ActorKind.group.value
    sectors = [str(s) for s in identity.get("sectors") or []]
    if "defense" in sectors:
        return ActorKind.military.value
    if any(s.startswith("government") for s in sectors):
        return ActorKind.government.value
    return ActorKind.organization.value


def opinion_label(opinion: Object) -> tuple[StanceLabel, float | None]:
    """The stance label and explicit probability an opinion reads back as.

    claimgraph's own label, when the opinion carries it in `labels` and it agrees with the
    opinion value, is taken as is; otherwise `confidence` picks the band among the labels of
    that opinion value, and failing that the value's unhedged label stands.
    """
    candidates = labels_for(str(opinion["opinion"]))
    confidence = opinion.get("confidence")
    if not isinstance(confidence, int) or isinstance(confidence, bool):
        confidence = None
    given = [
        StanceLabel(t)
        for t in opinion.get("labels") or []
        if t in STANCE_LABEL_VALUES and StanceLabel(t) in candidates
    ]
    if given:
        return given[0], explicit_probability(given[0], confidence)
    if confidence is not None:
        for label in candidates:
            band = STANCE_LABELS[label].band
            p = probability_from_confidence(label, confidence)
            if band is not None and band.contains(p):
                return label, explicit_probability(label, confidence)
    label = DEFAULT_LABELS[str(opinion["opinion"])]
    return label, None if confidence is None else explicit_probability(label, confidence)


def explicit_probability(label: StanceLabel, confidence: int | None) -> float | None:
    """The explicit probability behind a confidence; None where it is just the band midpoint."""
    if confidence is None or confidence == position_confidence(label, None):
        return None
    p = probability_from_confidence(label, confidence)
    return p if probability_problem(label, p) is None else None
