"""Search: the statement tier of relevance in index order on PostgreSQL.

A claim whose statement matches ranks by `1 + 1 / (1 + length(statement))`. An index on that
expression (and id, the tie-break) lets a search for a common word read its first page in
order and stop, where ranking every match of a word found in 10% of 100k claims took most of
a second. Rare words still go through the GIN index and sort their few matches. SQLite has no
use for it (its FTS5 matches come out of the FTS index, not in length order).

Revision ID: 0006_relevance
Revises: 0005_tallies
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_relevance"
down_revision: str | None = "0005_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_claims_statement_relevance ON claims"
            " ((1 + 1 / (1 + length(statement))::float8) DESC, id DESC)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_claims_statement_relevance")
