"""Quotes are searched through an index of their words, not a stored copy of them (PostgreSQL).

Each stance kept its quote's words as a generated `tsvector` column, for every stance (an
empty one where there is no quote), only for the GIN index built on it and the search that
matches through that index. The index is now built on the same expression, and the search
matches that expression: the index answers it as before, and a matched row's words are
computed again from its quote when PostgreSQL rechecks it. SQLite keeps its FTS5 table.

Revision ID: 0017_quote_index
Revises: 0016_citation_snapshots
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_quote_index"
down_revision: str | None = "0016_citation_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app/claims/ranking.py's QUOTE_WORDS, and as migration 0004 generated the column.
WORDS = (
    "to_tsvector('claimgraph'::regconfig,"
    " regexp_replace(coalesce(quote, ''), '[[:punct:]]+', ' ', 'g'))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_stances_quote_vector")
    op.execute("ALTER TABLE stances DROP COLUMN quote_vector")
    op.execute(f"CREATE INDEX ix_stances_quote_vector ON stances USING gin (({WORDS}))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_stances_quote_vector")
    op.execute(
        f"ALTER TABLE stances ADD COLUMN quote_vector tsvector GENERATED ALWAYS AS ({WORDS}) STORED"
    )
    op.execute("CREATE INDEX ix_stances_quote_vector ON stances USING gin (quote_vector)")
