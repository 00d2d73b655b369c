"""How each side looks and reads, the same on every page and picture: a colour, a shape, a
fill pattern and words, so that colour is never the only carrier."""

from dataclasses import dataclass

from app.vocabulary import STANCE_LABELS, StanceLabel, StanceSide


@dataclass(frozen=True, slots=True)
class SideLook:
    side: StanceSide
    title: str  # "Support"
    who: str  # the question the side answers
    shape: str  # the timeline's mark
    line: str  # the provenance picture's edges


LOOKS: dict[StanceSide, SideLook] = {
    StanceSide.support: SideLook(
        StanceSide.support, "Support", "Who asserts it", "circle", "solid line"
    ),
    StanceSide.neutral: SideLook(
        StanceSide.neutral,
        "Neutral",
        "Who relays it without taking a side",
        "square",
        "dotted line",
    ),
    StanceSide.dispute: SideLook(
        StanceSide.dispute, "Dispute", "Who disputes it", "triangle", "dashed line"
    ),
}
SIDES = tuple(StanceSide)
DASH = "\u2013"  # an en dash, for ranges: 80\u201395%


def label_text(label: str) -> str:
    """A label as words: `highly_likely` → "highly likely"."""
    return label.replace("_", " ")


def side_of(label: str) -> StanceSide:
    return STANCE_LABELS[StanceLabel(label)].side


def percent(p: float) -> str:
    """A probability as a percentage without needless decimals: 0.85 → "85%"."""
    value = round(p * 100, 1)
    return f"{value:g}%"


def band_text(label: str) -> str | None:
    """The label's probability band as words ("80 to 95%" with a dash), or None."""
    band = STANCE_LABELS[StanceLabel(label)].band
    return None if band is None else span(band.low, band.high)


def span(low: float, high: float) -> str:
    """A probability range as words; one value when both ends are the same."""
    return percent(low) if low == high else f"{percent(low)[:-1]}{DASH}{percent(high)}"
