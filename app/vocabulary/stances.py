"""Stance labels, their sides and their probability bands, and a stance's confidence.

They live here and only here; the database stores the values, Pydantic validates them, and
exporters map them.
"""

from dataclasses import dataclass
from enum import StrEnum


class StanceSide(StrEnum):
    """Which way a stance leans on its claim."""

    support = "support"
    neutral = "neutral"
    dispute = "dispute"


class StanceLabel(StrEnum):
    """What an actor says of a claim, from strongest support to strongest dispute."""

    confirmed = "confirmed"
    asserted = "asserted"
    highly_likely = "highly_likely"
    likely = "likely"
    possible = "possible"
    reported = "reported"
    no_comment = "no_comment"
    questioned = "questioned"
    unlikely = "unlikely"
    highly_unlikely = "highly_unlikely"
    denied = "denied"


class Confidence(StrEnum):
    """Analytic confidence an actor states in its own judgement (ICD 203), apart from likelihood."""

    low = "low"
    moderate = "moderate"
    high = "high"


@dataclass(frozen=True, slots=True)
class Band:
    """A probability interval. Bands meet at their edges; an edge value fits both neighbours."""

    low: float
    high: float

    @property
    def midpoint(self) -> float:
        return round((self.low + self.high) / 2, 4)

    def contains(self, p: float) -> bool:
        return self.low <= p <= self.high


@dataclass(frozen=True, slots=True)
class LabelInfo:
    label: StanceLabel
    side: StanceSide
    band: Band | None
    words: tuple[str, ...]
    description: str


# ICD 203 estimative yardstick; the banded labels partition [0, 1] with no gaps or overlaps.
STANCE_LABELS: dict[StanceLabel, LabelInfo] = {
    info.label: info
    for info in (
        LabelInfo(
            StanceLabel.confirmed,
            StanceSide.support,
            Band(0.95, 1.0),
            ("confirmed", "verified", "established"),
            "Stated as established fact on evidence.",
        ),
        LabelInfo(
            StanceLabel.asserted,
            StanceSide.support,
            None,
            ("said", "insists", "claims"),
            "Stated as fact without evidence given.",
        ),
        LabelInfo(
            StanceLabel.highly_likely,
            StanceSide.support,
            Band(0.80, 0.95),
            ("highly likely", "very likely", "almost certainly"),
            "Judged highly likely (80-95%).",
        ),
        LabelInfo(
            StanceLabel.likely,
            StanceSide.support,
            Band(0.55, 0.80),
            ("likely", "probably", "believes"),
            "Judged likely (55-80%).",
        ),
        LabelInfo(
            StanceLabel.possible,
            StanceSide.neutral,
            Band(0.45, 0.55),
            ("possible", "even chance", "realistic possibility", "cannot rule out"),
            "Judged a roughly even chance (45-55%).",
        ),
        LabelInfo(
            StanceLabel.reported,
            StanceSide.neutral,
            None,
            ("reportedly", "according to", "sources say"),
            "Relayed without endorsement.",
        ),
        LabelInfo(
            StanceLabel.no_comment,
            StanceSide.neutral,
            None,
            ("declined to comment",),
            "Declined to take a position.",
        ),
        LabelInfo(
            StanceLabel.questioned,
            StanceSide.dispute,
            None,
            ("questions", "doubts", "no evidence for"),
            "Casts doubt without denying.",
        ),
        LabelInfo(
            StanceLabel.unlikely,
            StanceSide.dispute,
            Band(0.20, 0.45),
            ("unlikely", "probably not"),
            "Judged unlikely (20-45%).",
        ),
        LabelInfo(
            StanceLabel.highly_unlikely,
            StanceSide.dispute,
            Band(0.05, 0.20),
            ("highly unlikely", "very unlikely"),
            "Judged highly unlikely (5-20%).",
        ),
        LabelInfo(
            StanceLabel.denied,
            StanceSide.dispute,
            Band(0.0, 0.05),
            ("denied", "rejected", "false"),
            "Denied or rejected as false (0-5%).",
        ),
    )
}


def side_of(label: StanceLabel | str) -> StanceSide:
    """The side a label falls on."""
    return STANCE_LABELS[StanceLabel(label)].side


def labels_on(side: StanceSide | str) -> list[StanceLabel]:
    """The labels on one side, strongest support first."""
    return [info.label for info in STANCE_LABELS.values() if info.side == side]


# The probabilities a label without a band of its own accepts: those on its side (a neutral
# label's are the even chances of `possible`).
SIDE_RANGES = {
    StanceSide.support: Band(0.5, 1.0),
    StanceSide.neutral: Band(0.45, 0.55),
    StanceSide.dispute: Band(0.0, 0.5),
}


def probability_range(label: StanceLabel | str) -> Band:
    """The probabilities a stance with this label may state: its band, else its side's."""
    info = STANCE_LABELS[StanceLabel(label)]
    return info.band or SIDE_RANGES[info.side]


def probability_problem(label: StanceLabel | str, probability: float | None) -> str | None:
    """Why `probability` cannot go with `label`, or None when it can."""
    if probability is None:
        return None
    info = STANCE_LABELS[StanceLabel(label)]
    accepted = probability_range(label)
    if accepted.contains(probability):
        return None
    where = (
        f"the band of {info.label.value!r}"
        if info.band is not None
        else f"the {info.side.value} side's range, where {info.label.value!r} stands"
    )
    return (
        f"{probability} is outside {where} ({accepted.low:.2f}-{accepted.high:.2f}); pick the "
        "label whose band holds it or omit it"
    )
