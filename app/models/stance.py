"""Stances: actor A, as recorded in source S, takes stance T on claim C."""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Versioned, sql_in
from app.vocabulary import STANCE_LABELS, Confidence, StanceLabel, StanceSide

RETRACTED = text("retraction_source_id IS NOT NULL")


def _side_matches_label() -> str:
    # The side is derived, but stored so that side filters use an index; the database
    # refuses a row whose side disagrees with its label.
    return " OR ".join(
        f"(label = '{info.label.value}' AND side = '{info.side.value}')"
        for info in STANCE_LABELS.values()
    )


class Stance(Versioned, Base):
    __tablename__ = "stances"
    __table_args__ = (
        CheckConstraint(sql_in("label", StanceLabel), name="label"),
        CheckConstraint(sql_in("side", StanceSide), name="side"),
        CheckConstraint(_side_matches_label(), name="side_matches_label"),
        CheckConstraint(sql_in("confidence", Confidence), name="confidence"),
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability"),
        CheckConstraint(
            "quote_start IS NULL OR (quote_start >= 0 AND quote_end > quote_start)",
            name="quote_span",
        ),
        CheckConstraint(
            "retraction_source_id IS NULL OR retracted_at IS NOT NULL", name="retraction"
        ),
        # Each index costs every write: only those a query needs (docs/query-plans.md). A
        # label filter is also a filter on the label's side (`has_label`): a claim's stances
        # by label read its (claim_id, side, id) entries; a side or label filter across claims
        # walks the primary key (each is common). A claim's timeline is its (claim_id, id)
        # entries sorted; a source's few stances are sorted by id (the source's id alone
        # keeps one entry of many row pointers for all of them). Two actors' disagreements
        # join their stances by (actor_id, side, id), then read them by (actor_id, id). The
        # claim list's time window finds its stances by the time alone (PostgreSQL keeps one
        # entry for the stances said at one time) and their claims in the rows.
        Index(None, "claim_id", "id"),
        Index(None, "claim_id", "side", "id"),
        Index(None, "actor_id", "id"),
        Index(None, "actor_id", "side", "id"),
        Index(None, "stated_at"),
        Index(None, "source_id"),
        # Only the rare retracted stances that name a source (the foreign key's lookups).
        Index(None, "retraction_source_id", postgresql_where=RETRACTED, sqlite_where=RETRACTED),
    )

    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id", ondelete="RESTRICT"))
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("actors.id", ondelete="RESTRICT"))
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(16))
    probability: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[str | None] = mapped_column(String(16))
    quote: Mapped[str | None] = mapped_column(Text)
    # Where the quote sits in the source's text, with context (a TextQuoteSelector).
    quote_start: Mapped[int | None] = mapped_column(Integer)
    quote_end: Mapped[int | None] = mapped_column(Integer)
    quote_prefix: Mapped[str | None] = mapped_column(String(64))
    quote_suffix: Mapped[str | None] = mapped_column(String(64))
    stated_at: Mapped[datetime | None]
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    retracted_at: Mapped[datetime | None]
    retraction_source_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT")
    )


def has_label(name: str) -> ColumnElement[bool]:
    """The stance has the label bound as `name`, and so the side of that label: the side is
    stated too so that the (…, side, id) indexes narrow the rows the label is checked on."""
    side_of = {info.label.value: info.side.value for info in STANCE_LABELS.values()}
    return and_(
        Stance.label == bindparam(name),
        Stance.side == case(side_of, value=bindparam(name)),
    )
