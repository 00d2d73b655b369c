"""Stances as the pages show them, made from the API's own stance rows (`stance_fields`)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.explore.sides import LOOKS, SIDES, SideLook, band_text, label_text, percent
from app.stances.rows import StanceFields
from app.vocabulary import StanceSide


def day(value: datetime | None) -> str:
    """A time as the pages show it: its day, YYYY-MM-DD (by `isoformat`, a fifth of the cost
    of `strftime`)."""
    return "" if value is None else value.date().isoformat()


@dataclass(frozen=True, slots=True)
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


def stance_view(fields: StanceFields, changed_from: str | None = None) -> StanceView:
    """The view of one row of `stance_fields` (the API's stance JSON before encoding)."""
    span = fields["quote_span"]
    publisher = fields["source"]["publisher"]
    probability = fields["probability"]
    return StanceView(
        id=fields["id"],
        side=StanceSide(fields["side"]),
        label=fields["label"],
        words=label_text(fields["label"]),
        probability=None if probability is None else percent(probability),
        band=band_text(fields["label"]),
        confidence=fields["confidence"],
        actor_id=fields["actor_id"],
        actor=fields["actor"]["name"],
        actor_kind=fields["actor"]["kind"],
        claim_id=fields["claim_id"],
        statement=fields["claim"]["statement"],
        source_id=fields["source_id"],
        source=fields["source"]["title"],
        outlet=publisher["name"] if publisher else None,
        at=fields["stated_at"] or fields["created_at"],
        stated_at=fields["stated_at"],
        retracted_at=fields["retracted_at"],
        quote=fields["quote"],
        before=span["prefix"] if span else "",
        after=span["suffix"] if span else "",
        quote_start=span["start"] if span else None,
        quote_end=span["end"] if span else None,
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
