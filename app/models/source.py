"""Sources (documents that record positions) and the citations between them."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Versioned, key_to, link_constraints, refers_to, sql_in
from app.vocabulary import CitationKind, SourceKind

UNLINKED = text("url IS NULL")


class Source(Versioned, Base):
    __tablename__ = "sources"
    __table_args__ = (
        CheckConstraint(sql_in("kind", SourceKind), name="kind"),
        CheckConstraint("length(content_hash) = 64", name="content_hash"),
        Index(None, "publisher_id", "id"),
        Index(None, "kind", "id"),
        # A source without a URL is matched by its content hash, else by kind and title (the
        # import's natural keys). The title's index is a hash index on PostgreSQL: a btree
        # entry may not exceed about 2,700 bytes, which a 1,000-character title can.
        Index(None, "content_hash", postgresql_where=UNLINKED, sqlite_where=UNLINKED),
        Index(
            None,
            "title",
            postgresql_using="hash",
            postgresql_where=UNLINKED,
            sqlite_where=UNLINKED,
        ),
    )

    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(1000))
    # Stored normalized; NULLs never collide, so the constraint binds only present URLs.
    url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    publisher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("actors.id", ondelete="RESTRICT")
    )
    published_at: Mapped[datetime | None]
    retrieved_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(35))
    # SHA-256 (hex) of `text` when the text is held; else as supplied by the client.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    created_by: Mapped[str | None] = mapped_column(String(200))

    authors: Mapped[list["SourceAuthor"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SourceAuthor.position"
    )


class SourceAuthor(Base):
    __tablename__ = "source_authors"
    __table_args__ = (Index(None, "actor_id"),)

    source_id: Mapped[uuid.UUID] = key_to("sources", "CASCADE")
    actor_id: Mapped[uuid.UUID] = key_to("actors", "RESTRICT")
    position: Mapped[int]


class Citation(Versioned, Base):
    """Source → source: the citing source cites, quotes, republishes or translates the cited."""

    __tablename__ = "citations"
    __table_args__ = link_constraints("source_id", "cited_source_id", CitationKind)

    source_id: Mapped[uuid.UUID] = refers_to("sources", "CASCADE")
    cited_source_id: Mapped[uuid.UUID] = refers_to("sources", "RESTRICT")
    kind: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(String(200))


class SourceOrigin(Base):
    """An origin of a source that cites something: a source its citation chains end in (see
    app/sources/origins.py, which keeps these rows as citations change). A source that cites
    nothing is its own only origin and has no row.

    `origin_id` names a source without a foreign key: an origin is cited (a chain ends in it,
    or it is in a loop of citations), so it cannot be deleted while it is one, and a key would
    make every deletion of a source look the column up."""

    __tablename__ = "source_origins"

    source_id: Mapped[uuid.UUID] = key_to("sources", "CASCADE")
    origin_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
