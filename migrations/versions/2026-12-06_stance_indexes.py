"""Stances keep only the indexes a query needs.

Of the 13 indexes of `stances`, three served no query that another index does not serve as
well (docs/query-plans.md, checked with EXPLAIN at 1M stances): a claim's stances by label
read through (claim_id, id) and filter (a claim's stances are few, and a hot claim's every
label common enough that a page comes within a few thousand rows); `/v1/stances?side=`
walks the primary key and filters (every side is common); a claim's timeline sorts its
(claim_id, id) entries, as it did on PostgreSQL already. The index of the retraction
source, looked up only by the foreign key, now holds only the stances that name one.

Revision ID: 0013_stance_indexes
Revises: 0012_lean_history
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_stance_indexes"
down_revision: str | None = "0012_lean_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = {
    "ix_stances_claim_id_label_id": ["claim_id", "label", "id"],
    "ix_stances_claim_id_stated_at": ["claim_id", "stated_at"],
    "ix_stances_side_id": ["side", "id"],
}
RETRACTED = sa.text("retraction_source_id IS NOT NULL")


def upgrade() -> None:
    for name in DROPPED:
        op.drop_index(name, table_name="stances")
    op.drop_index("ix_stances_retraction_source_id", table_name="stances")
    op.create_index(
        "ix_stances_retraction_source_id",
        "stances",
        ["retraction_source_id"],
        postgresql_where=RETRACTED,
        sqlite_where=RETRACTED,
    )


def downgrade() -> None:
    op.drop_index("ix_stances_retraction_source_id", table_name="stances")
    op.create_index("ix_stances_retraction_source_id", "stances", ["retraction_source_id"])
    for name, columns in DROPPED.items():
        op.create_index(name, "stances", columns)
