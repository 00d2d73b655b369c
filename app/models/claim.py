"""Claims (canonical propositions), their tags and subjects, and relations between claims."""

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from app.models.base import Base, Versioned, key_to, link_constraints, refers_to
from app.vocabulary import ClaimRelationKind


class Claim(Versioned, Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("length(statement) > 0", name="statement_not_empty"),
        CheckConstraint(
            "occurred_from IS NULL OR occurred_to IS NULL OR occurred_from <= occurred_to",
            name="occurred_interval",
        ),
    )

    statement: Mapped[str] = mapped_column(Text)
    # SHA-256 of the case-folded, whitespace-collapsed statement: the natural key.
    statement_key: Mapped[str] = mapped_column(String(64), unique=True)
    occurred_from: Mapped[datetime | None]
    occurred_to: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(200))

    tags: Mapped[list["ClaimTag"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ClaimTag.tag"
    )
    subjects: Mapped[list["ClaimSubject"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ClaimSubject.position"
    )


class ClaimTag(Base):
    __tablename__ = "claim_tags"
    __table_args__ = (Index(None, "tag", "claim_id"),)

    claim_id: Mapped[uuid.UUID] = key_to("claims", "CASCADE")
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class ClaimSubject(Base):
    """An actor the claim is about."""

    __tablename__ = "claim_subjects"
    __table_args__ = (Index(None, "actor_id", "claim_id"),)

    claim_id: Mapped[uuid.UUID] = key_to("claims", "CASCADE")
    actor_id: Mapped[uuid.UUID] = key_to("actors", "RESTRICT")
    position: Mapped[int]


class ClaimRelation(Versioned, Base):
    """Claim → related claim: contradicts, supports, refines (is a case of), same_as."""

    __tablename__ = "claim_relations"
    __table_args__ = link_constraints("claim_id", "related_claim_id", ClaimRelationKind)

    claim_id: Mapped[uuid.UUID] = refers_to("claims", "CASCADE")
    related_claim_id: Mapped[uuid.UUID] = refers_to("claims", "RESTRICT")
    kind: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(String(200))


class ClaimStats(Base):
    """Per-claim counters kept in step with its stances, in the same transaction, so that
    listing contested or busiest claims never aggregates over all stances per request."""

    __tablename__ = "claim_stats"
    __table_args__ = (
        Index(None, "contested", "activity_at", "claim_id"),
        Index(None, "contested", "total", "claim_id"),
        Index(None, "activity_at", "claim_id"),
        Index(None, "total", "claim_id"),
    )

    claim_id: Mapped[uuid.UUID] = key_to("claims", "CASCADE")
    # Current (non-retracted) stances per side; `total` is their sum.
    support: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    neutral: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dispute: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retracted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Distinct actors with a current stance on each side (kept with claim_side_actors).
    support_actors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    neutral_actors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dispute_actors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    contested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    first_stated_at: Mapped[datetime | None]
    latest_stated_at: Mapped[datetime | None]
    # The latest stance date, or the claim's creation while it has none: "newest" sorts on it.
    activity_at: Mapped[datetime]


# A stance without a probability is tallied under this key (a key column cannot be NULL).
NO_PROBABILITY = -1.0


class ClaimTally(Base):
    """Current stances per claim, label and probability: the claim summary's counts by label
    and its support-side probability figures, read without aggregating the claim's stances."""

    __tablename__ = "claim_tallies"

    claim_id: Mapped[uuid.UUID] = key_to("claims", "CASCADE")
    label: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The stances' probability, or NO_PROBABILITY.
    probability: Mapped[float] = mapped_column(Float, primary_key=True)
    stances: Mapped[int] = mapped_column(Integer)


class ClaimSideActor(Base):
    """Current stances per claim, side and actor: a side's distinct actors change only when
    an actor's count there goes from 0 to 1 or back, so claim_stats keeps them as counters."""

    __tablename__ = "claim_side_actors"
    __table_args__ = (Index(None, "actor_id"),)

    claim_id: Mapped[uuid.UUID] = key_to("claims", "CASCADE")
    side: Mapped[str] = mapped_column(String(16), primary_key=True)
    actor_id: Mapped[uuid.UUID] = key_to("actors", "CASCADE")
    stances: Mapped[int] = mapped_column(Integer)
