"""Changes name their writer and request once per batch, in `change_batches`.

Every change kept its writer and request id, the same for all the changes one transaction
(or a whole import) records: an import repeated them on each of its rows. A batch now holds
them once, and each change names its batch (none when neither is known). The history answers
as before: a change's writer and request are its batch's.

The existing changes get one batch per distinct (writer, request id) pair. The downgrade
writes each change's pair back and drops the batches.

Revision ID: 0014_change_batches
Revises: 0013_stance_indexes
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_change_batches"
down_revision: str | None = "0013_stance_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Pairs are matched with their nulls as a value no writer or request id holds (both are one
# line of printable text), so that the match is an equality the databases can hash.
MISSING = "'\n'"


def _same(a: str, b: str) -> str:
    return " AND ".join(
        f"coalesce({a}.{column}, {MISSING}) = coalesce({b}.{column}, {MISSING})"
        for column in ("writer", "request_id")
    )


def upgrade() -> None:
    op.create_table(
        "change_batches",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("writer", sa.String(length=200), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_batches")),
    )
    op.add_column("changes", sa.Column("batch_id", BigId, nullable=True))
    op.execute(
        """
        INSERT INTO change_batches (writer, request_id)
        SELECT writer, request_id FROM changes
        WHERE writer IS NOT NULL OR request_id IS NOT NULL
        GROUP BY writer, request_id
        ORDER BY min(id)
        """
    )
    op.execute(
        f"""
        UPDATE changes SET batch_id = b.id FROM change_batches AS b
        WHERE (changes.writer IS NOT NULL OR changes.request_id IS NOT NULL)
          AND {_same("b", "changes")}
        """
    )
    with op.batch_alter_table("changes") as table:
        table.drop_column("writer")
        table.drop_column("request_id")


def downgrade() -> None:
    with op.batch_alter_table("changes") as table:
        table.add_column(sa.Column("writer", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
    op.execute(
        """
        UPDATE changes SET writer = b.writer, request_id = b.request_id
        FROM change_batches AS b WHERE b.id = changes.batch_id
        """
    )
    with op.batch_alter_table("changes") as table:
        table.drop_column("batch_id")
    op.drop_table("change_batches")
