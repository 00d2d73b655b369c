"""Indexes whose keys only grow fill their pages (PostgreSQL).

A B-tree leaves a tenth of each leaf page free by default, for keys that later land between
existing ones. The change log's id and (txid, id) and the stances' ids (UUIDv7, in time order)
are written in increasing order: a new key goes to the last page, and a full last page is
split leaving the earlier one as full as the fill factor says, so the free tenth would never
be used. (It applies to pages split from now on, and to the whole index when it is next
rebuilt: REINDEX, VACUUM FULL.)

Revision ID: 0019_packed_indexes
Revises: 0018_stance_lookups
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_packed_indexes"
down_revision: str | None = "0018_stance_lookups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROWING = ("pk_changes", "ix_changes_txid_id", "pk_stances")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in GROWING:
        op.execute(f"ALTER INDEX {name} SET (fillfactor = 100)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in GROWING:
        op.execute(f"ALTER INDEX {name} RESET (fillfactor)")
