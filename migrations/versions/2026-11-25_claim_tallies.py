"""Claim tallies: the claim summary's breakdowns kept as stances change.

The summary of a claim counted its current stances by label and probability, and its distinct
actors per side, on every request: on a claim with 100k stances that was a second a request.
`claim_tallies` keeps the counts by (label, probability), `claim_side_actors` the current
stances of each actor on each side, and claim_stats the distinct actors per side; the stance
write paths keep them in the same transaction. The upgrade fills them from the stances.

Revision ID: 0005_tallies
Revises: 0004_indexes
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_tallies"
down_revision: str | None = "0004_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIDES = ("support", "neutral", "dispute")


def upgrade() -> None:
    op.create_table(
        "claim_tallies",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("stances", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_tallies_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "label", "probability", name=op.f("pk_claim_tallies")),
    )
    op.create_table(
        "claim_side_actors",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("stances", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_side_actors_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_claim_side_actors_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "side", "actor_id", name=op.f("pk_claim_side_actors")),
    )
    # Deleting an actor cascades here: without this index each deletion would scan the table.
    op.create_index(op.f("ix_claim_side_actors_actor_id"), "claim_side_actors", ["actor_id"])
    with op.batch_alter_table("claim_stats") as batch:
        for side in SIDES:
            batch.add_column(
                sa.Column(f"{side}_actors", sa.Integer(), server_default="0", nullable=False)
            )
    op.execute(
        "INSERT INTO claim_tallies (claim_id, label, probability, stances)"
        " SELECT claim_id, label, coalesce(probability, -1), count(*) FROM stances"
        " WHERE retracted_at IS NULL GROUP BY claim_id, label, coalesce(probability, -1)"
    )
    op.execute(
        "INSERT INTO claim_side_actors (claim_id, side, actor_id, stances)"
        " SELECT claim_id, side, actor_id, count(*) FROM stances"
        " WHERE retracted_at IS NULL GROUP BY claim_id, side, actor_id"
    )
    for side in SIDES:
        op.execute(
            f"UPDATE claim_stats SET {side}_actors = (SELECT count(*) FROM claim_side_actors a"
            f" WHERE a.claim_id = claim_stats.claim_id AND a.side = '{side}')"
        )


def downgrade() -> None:
    with op.batch_alter_table("claim_stats") as batch:
        for side in reversed(SIDES):
            batch.drop_column(f"{side}_actors")
    op.drop_index(op.f("ix_claim_side_actors_actor_id"), table_name="claim_side_actors")
    op.drop_table("claim_side_actors")
    op.drop_table("claim_tallies")
