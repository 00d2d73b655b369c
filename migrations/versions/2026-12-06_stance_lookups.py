"""Stances drop the label and (actor, claim, side) indexes, and find a source's stances by the
source's id alone, and stances said in a time window by the time alone.

`ix_stances_label_id` served the label filters: a claim's stances by label and the claim list's
`label=` filter now also state the label's side, and read the (claim_id, side, id) entries
of each claim as the side filters do; `/v1/stances?label=` walks the primary key and filters,
as `side=` does (every label is common enough that a page comes within a few thousand rows).
`ix_stances_actor_id_claim_id_side` served two actors' disagreements: their stances are joined
by (actor_id, side, id) as PostgreSQL did already, and a page's stances read by
(actor_id, id), an actor's stances being few beside a claim's. A source's stances are few too:
the index of the source's id alone lists them (one entry and its row pointers per source on
PostgreSQL), sorted by id for a page, and serves the foreign key's lookups as (source_id, id)
did. The claim list's `since` and `until` filters find the stances said in the window by
`stated_at` alone (one entry for the stances said at one time, on PostgreSQL) and read each
one's claim from its row, where (stated_at, claim_id) held the claim in every entry.

Revision ID: 0018_stance_lookups
Revises: 0017_quote_index
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_stance_lookups"
down_revision: str | None = "0017_quote_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = {
    "ix_stances_label_id": ["label", "id"],
    "ix_stances_actor_id_claim_id_side": ["actor_id", "claim_id", "side"],
}


# Each narrowed index: its new name and columns, and its old ones.
NARROWED = {
    ("ix_stances_source_id", ("source_id",)): ("ix_stances_source_id_id", ("source_id", "id")),
    ("ix_stances_stated_at", ("stated_at",)): (
        "ix_stances_stated_at_claim_id",
        ("stated_at", "claim_id"),
    ),
}


def upgrade() -> None:
    for name in DROPPED:
        op.drop_index(name, table_name="stances")
    for (name, columns), (old, _) in NARROWED.items():
        op.drop_index(old, table_name="stances")
        op.create_index(name, "stances", list(columns))


def downgrade() -> None:
    for (name, _), (old, columns) in NARROWED.items():
        op.drop_index(name, table_name="stances")
        op.create_index(old, "stances", list(columns))
    for name, columns in DROPPED.items():
        op.create_index(name, "stances", columns)
