"""Stances as the pages show them, made from the rows of the API's own stance statements."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from app.db.statements import SqlRow
from app.explore.sides import LOOKS, SIDES, SideLook, band_text, label_text, percent
from app.stances.rows import select_stances
from app.vocabulary import STANCE_LABELS, StanceSide


def day(value: datetime | None) -> str:
    """A time as the pages show it: its day, YYYY-MM-DD (by `isoformat`, a fifth of the cost
    of `strftime`)."""
    return "" if value is None else value.date().isoformat()


# Not frozen: a page builds up to 500, and a frozen dataclass's __init__ costs twice as much.
@dataclass(slots=True)
class StanceView:
    id: uuid.UUID
    side: StanceSide
    label: str  # the vocabulary's value
    words: str  # the label as words
    probability: str | None  # "85%" when stated
    band: str | None  # the label's band, when it has one
    confidence: str | None
    actor_id: uuid.UUID
    actor: str
    actor_kind: str
    claim_id: uuid.UUID
    statement: str
    source_id: uuid.UUID
    source: str
    outlet: str | None  # the source's publisher
    at: datetime  # when it was said (else recorded)
    stated_at: datetime | None
    retracted_at: datetime | None
    quote: str | None
    before: str  # the source's text just before the quote, when its place is known
    after: str
    quote_start: int | None
    quote_end: int | None
    changed_from: str | None = None  # the actor's previous label on the claim, if different

    def current_at(self, as_of: datetime | None) -> bool:
        """Whether the stance stood at `as_of` (now when None): not retracted by then."""
        if self.retracted_at is None:
            return True
        return as_of is not None and self.retracted_at > as_of


@dataclass(frozen=True, slots=True)
class _LabelLook:
    side: StanceSide
    words: str
    band: str | None


# What a label shows, worked out once per label rather than once per stance. The side comes
# from the label: the database refuses a stance whose side disagrees with it.
_LABELS = {
    str(label): _LabelLook(info.side, label_text(label), band_text(label))
    for label, info in STANCE_LABELS.items()
}


# The columns a view takes from a row of `select_stances()`, read by position in one call:
# SQLAlchemy's Row reads a column by name in about 0.3 µs, which for these twenty made up
# nearly all of a view's cost.
_POSITION = {name: i for i, name in enumerate(select_stances().selected_columns.keys())}
_TAKEN = itemgetter(
    *(
        _POSITION[name]
        for name in (
            "id",
            "label",
            "probability",
            "confidence",
            "actor_id",
            "actor_name",
            "actor_kind",
            "claim_id",
            "claim_statement",
            "source_id",
            "source_title",
            "publisher_id",
            "publisher_name",
            "stated_at",
            "created_at",
            "retracted_at",
            "quote",
            "quote_start",
            "quote_end",
            "quote_prefix",
            "quote_suffix",
        )
    )
)


def stance_view(row: SqlRow, changed_from: str | None = None) -> StanceView:
    """The view of one row of `select_stances()` (the API's statements of stances), read
    from the row itself: the API's JSON fields of the stance (`stance_fields`) would be built
    only to be taken apart again."""
    (
        stance_id,
        label,
        probability,
        confidence,
        actor_id,
        actor,
        actor_kind,
        claim_id,
        statement,
        source_id,
        source,
        publisher_id,
        publisher,
        stated_at,
        created_at,
        retracted_at,
        quote,
        start,
        end,
        prefix,
        suffix,
    ) = _TAKEN(row)
    look = _LABELS[label]
    located = start is not None and end is not None
    return StanceView(
        id=stance_id,
        side=look.side,
        label=label,
        words=look.words,
        probability=None if probability is None else percent(probability),
        band=look.band,
        confidence=confidence,
        actor_id=actor_id,
        actor=actor,
        actor_kind=actor_kind,
        claim_id=claim_id,
        statement=statement,
        source_id=source_id,
        source=source,
        outlet=publisher if publisher_id is not None else None,
        at=stated_at or created_at,
        stated_at=stated_at,
        retracted_at=retracted_at,
        quote=quote,
        before=(prefix or "") if located else "",
        after=(suffix or "") if located else "",
        quote_start=start if located else None,
        quote_end=end if located else None,
        changed_from=changed_from,
    )


@dataclass(frozen=True, slots=True)
class SideGroup:
    look: SideLook
    stances: list[StanceView]


def by_side(stances: Iterable[StanceView]) -> list[SideGroup]:
    """The stances in one group per side (support, neutral, dispute; empty sides left out),
    each in the order they were said."""
    groups: dict[StanceSide, list[StanceView]] = {side: [] for side in SIDES}
    for stance in stances:
        groups[stance.side].append(stance)
    return [
        SideGroup(LOOKS[side], sorted(groups[side], key=lambda s: (s.at, s.actor, str(s.id))))
        for side in SIDES
        if groups[side]
    ]
