"""A record's changes are found through an index of the record's id alone.

The index of (entity, entity_id, version) repeated the entity's name and the version in every
entry; a record's id is a UUID that no other record holds, and its few changes are read in
full and sorted by id whatever the index (the history, the rebuilt creates, a tombstone's
time). The id alone finds them, in two thirds of the space.

Revision ID: 0015_change_index
Revises: 0014_change_batches
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_change_index"
down_revision: str | None = "0014_change_batches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_changes_entity_entity_id_version", table_name="changes")
    op.create_index("ix_changes_entity_id", "changes", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_changes_entity_id", table_name="changes")
    op.create_index(
        "ix_changes_entity_entity_id_version", "changes", ["entity", "entity_id", "version"]
    )
