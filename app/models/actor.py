"""Actors (anyone who can hold a position) and their affiliations."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Versioned, key_to, link_constraints, refers_to, sql_in
from app.vocabulary import ActorKind, AffiliationKind, Reliability

# Prefix search runs as a range scan (`>= p AND < p+1`), which matches prefixes only under a
# bytewise collation: SQLite's default, and "C" on PostgreSQL whatever the database's locale.
FOLDED = String(400).with_variant(String(400, collation="C"), "postgresql")


class Actor(Versioned, Base):
    __tablename__ = "actors"
    __table_args__ = (
        UniqueConstraint("kind", "name"),
        CheckConstraint(sql_in("kind", ActorKind), name="kind"),
        CheckConstraint(sql_in("reliability", Reliability), name="reliability"),
        CheckConstraint("length(country) = 2 AND country = upper(country)", name="country"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        Index(None, "name_folded", "id"),
        Index(None, "country", "id"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(400))
    # Case-folded name: the key for prefix search, compared bytewise on both databases.
    name_folded: Mapped[str] = mapped_column(FOLDED)
    country: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str | None] = mapped_column(Text)
    reliability: Mapped[str | None] = mapped_column(String(1))
    created_by: Mapped[str | None] = mapped_column(String(200))

    aliases: Mapped[list["ActorAlias"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ActorAlias.position"
    )
    external_ids: Mapped[list["ActorExternalId"]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )


class ActorAlias(Base):
    __tablename__ = "actor_aliases"
    __table_args__ = (Index(None, "alias_folded"),)

    actor_id: Mapped[uuid.UUID] = key_to("actors", "CASCADE")
    alias: Mapped[str] = mapped_column(String(400), primary_key=True)
    alias_folded: Mapped[str] = mapped_column(FOLDED)
    position: Mapped[int]


class ActorExternalId(Base):
    """An identifier in another register (e.g. `wikidata` → `Q7747`); unique per scheme."""

    __tablename__ = "actor_external_ids"
    __table_args__ = (UniqueConstraint("scheme", "value"),)

    actor_id: Mapped[uuid.UUID] = key_to("actors", "CASCADE")
    scheme: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))


class Affiliation(Versioned, Base):
    """Actor → organization: member of, part of, spokesperson for, with a validity interval."""

    __tablename__ = "affiliations"
    __table_args__ = (
        *link_constraints("actor_id", "organization_id", AffiliationKind, "valid_from"),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to", name="interval"
        ),
    )

    actor_id: Mapped[uuid.UUID] = refers_to("actors", "CASCADE")
    organization_id: Mapped[uuid.UUID] = refers_to("actors", "RESTRICT")
    kind: Mapped[str] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(400))
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(200))
