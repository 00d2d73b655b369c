"""A claim's summary: its counters and tallies read with the claim's own row, and summed up
as the `ClaimSummary` fields."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypedDict

from sqlalchemy import JSON, ScalarSelect, Uuid, bindparam, func, select
from sqlalchemy.sql.elements import Label

from app.claims.rows import CLAIM_COLUMNS, ClaimFields, ClaimRow, with_links
from app.db.statements import Statement, built_once
from app.models import Claim, ClaimStats, ClaimTally
from app.models.claim import NO_PROBABILITY
from app.vocabulary import STANCE_LABELS, StanceLabel, StanceSide


class SideFields(TypedDict):
    """The `SideSummary` fields."""

    stances: int
    actors: int


class ProbabilityFields(TypedDict):
    """The `ProbabilitySummary` fields."""

    median: float
    low: float
    high: float
    stances: int


class SummaryFields(TypedDict):
    """The `ClaimSummary` fields, in the model's order."""

    total: int
    by_side: dict[str, SideFields]
    by_label: dict[str, int]
    contested: bool
    first_stated_at: datetime | None
    latest_stated_at: datetime | None
    retracted: int
    support_probability: ProbabilityFields | None


class ClaimDetailFields(ClaimFields):
    """The `ClaimDetail` fields, in the model's order."""

    summary: SummaryFields
    links: dict[str, str]


class SummaryRow(ClaimRow, Protocol):
    """A row of `claim_with_stats`: the counters are None when the claim has none."""

    total: int | None
    support: int
    neutral: int
    dispute: int
    retracted: int
    support_actors: int
    neutral_actors: int
    dispute_actors: int
    contested: bool | None
    first_stated_at: datetime | None
    latest_stated_at: datetime | None
    tallies: Sequence[tuple[str, float, int]] | None


def _median(weighted: list[tuple[float, int]]) -> float:
    """The median of values given with their multiplicities."""
    ordered = sorted(weighted)
    total = sum(n for _, n in ordered)

    def nth(k: int) -> float:
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)

    middle = nth(total // 2) if total % 2 else (nth(total // 2 - 1) + nth(total // 2)) / 2
    return round(middle, 4)


# Built once: the claim with its counters (outer-joined: NULLs when it has none) and its
# tallies, one statement for the claim's page instead of an ORM load per table.
SUMMARY_COLUMNS = (
    ClaimStats.total,
    ClaimStats.support,
    ClaimStats.neutral,
    ClaimStats.dispute,
    ClaimStats.retracted,
    ClaimStats.support_actors,
    ClaimStats.neutral_actors,
    ClaimStats.dispute_actors,
    ClaimStats.contested,
    ClaimStats.first_stated_at,
    ClaimStats.latest_stated_at,
)


def _tallies(postgres: bool) -> Label[list[object]]:
    """The claim's tallies as one JSON array of [label, probability, stances] (an empty one,
    or NULL on PostgreSQL, when it has none): a column of the claim's row."""
    entry = (ClaimTally.label, ClaimTally.probability, ClaimTally.stances)
    rows = (
        func.json_agg(func.json_build_array(*entry), type_=JSON)
        if postgres
        else func.json_group_array(func.json_array(*entry), type_=JSON)
    )
    tallied: ScalarSelect[list[object]] = (
        select(rows).where(ClaimTally.claim_id == Claim.id).scalar_subquery()
    )
    return tallied.label("tallies")


@built_once
def claim_with_stats(postgres: bool) -> Statement:
    """The claim's row with its counters and tallies (and, on PostgreSQL, its links), by
    `claim_id`."""
    stmt = (
        select(*CLAIM_COLUMNS, *SUMMARY_COLUMNS, _tallies(postgres))
        .outerjoin(ClaimStats, ClaimStats.claim_id == Claim.id)
        .where(Claim.id == bindparam("claim_id", type_=Uuid))
    )
    return with_links(stmt, Claim.id, postgres=postgres)


# The support labels with the midpoint of their band (None: no band, e.g. `asserted`), and
# every label in the vocabulary's order, as the summary reads them.
_SUPPORT_MIDPOINTS: dict[str, float | None] = {
    label.value: info.band.midpoint if info.band else None
    for label, info in STANCE_LABELS.items()
    if info.side == StanceSide.support
}
_LABEL_ORDER = tuple(label.value for label in StanceLabel)


def claim_summary(claim: SummaryRow) -> SummaryFields:
    """Counts by side and label, distinct actors per side, contested, dates, and the support
    side's probability summary, from a row of `claim_with_stats`: counters and tallies kept
    as stances change, so a claim with 100k stances is summarized as fast as one with ten.

    The `ClaimSummary` fields as plain values in the model's order, written as JSON without
    building the models (app.http.rendering)."""
    tallies = claim.tallies or ()
    stats = claim if claim.total is not None else None
    by_label: dict[str, int] = {}
    weighted: list[tuple[float, int]] = []
    # A hot claim has over a hundred tallies (one per label and probability): read as plain
    # strings and floats, without an enum lookup each (~110 µs for such a claim, ~40 now).
    for label, tallied, n in tallies:
        by_label[label] = by_label.get(label, 0) + n
        if label in _SUPPORT_MIDPOINTS:
            value = _SUPPORT_MIDPOINTS[label] if tallied == NO_PROBABILITY else tallied
            if value is not None:
                weighted.append((float(value), n))
    return {
        "total": stats.total or 0 if stats else 0,
        "by_side": {
            "support": {"stances": stats.support, "actors": stats.support_actors},
            "neutral": {"stances": stats.neutral, "actors": stats.neutral_actors},
            "dispute": {"stances": stats.dispute, "actors": stats.dispute_actors},
        }
        if stats
        else {side.value: {"stances": 0, "actors": 0} for side in StanceSide},
        "by_label": {label: by_label[label] for label in _LABEL_ORDER if label in by_label},
        "contested": bool(stats and stats.contested),
        "first_stated_at": stats.first_stated_at if stats else None,
        "latest_stated_at": stats.latest_stated_at if stats else None,
        "retracted": stats.retracted if stats else 0,
        "support_probability": {
            "median": _median(weighted),
            "low": min(v for v, _ in weighted),
            "high": max(v for v, _ in weighted),
            "stances": sum(n for _, n in weighted),
        }
        if weighted
        else None,
    }
