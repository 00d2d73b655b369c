"""The service's own secrets: the key that signs pagination cursors.

Every process serving the database signs and checks cursors with the same key, so a cursor
issued by one worker (or before a restart) is good on every other. The key is made here, at
random, once per database.

Revision ID: 0010_secrets
Revises: 0009_source_match
Create Date: 2026-12-05
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_secrets"
down_revision: str | None = "0009_source_match"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_secrets")),
    )
    op.bulk_insert(table, [{"name": "cursor", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("service_secrets")
