"""Indexes for matching a source without a URL: by content hash, else by title.

An import matches a URL-less source by its content hash, else by kind and title. Without an
index each batch of 2,500 records read every URL-less source twice: at 1M stances (30k such
sources) the two lookups took 15.0 s of the import's 67.6 s before its stances, the title's
alone 105 ms a batch. Both indexes are partial (sources with a URL are matched by it). The
title's is a hash index on PostgreSQL, whose btree entries may not exceed about 2,700 bytes
(a 1,000-character title in a non-Latin script can); SQLite has no such limit.

Revision ID: 0009_source_match
Revises: 0008_links
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_source_match"
down_revision: str | None = "0008_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNLINKED = sa.text("url IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_sources_content_hash",
        "sources",
        ["content_hash"],
        postgresql_where=UNLINKED,
        sqlite_where=UNLINKED,
    )
    op.create_index(
        "ix_sources_title",
        "sources",
        ["title"],
        postgresql_using="hash",
        postgresql_where=UNLINKED,
        sqlite_where=UNLINKED,
    )


def downgrade() -> None:
    op.drop_index("ix_sources_title", table_name="sources")
    op.drop_index("ix_sources_content_hash", table_name="sources")
