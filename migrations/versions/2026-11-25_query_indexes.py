"""Query indexes: stances in id order per claim and per actor; full text alike on both databases.

Keyset pages of a claim's or an actor's stances (no side or label given) read
`WHERE claim_id = ? ORDER BY id` / `WHERE actor_id = ? ORDER BY id`: (claim_id, id) and
(actor_id, id) answer them a page at a time, where the older (…, side, id) indexes made every
page sort all of the claim's or actor's stances, or walk the primary key filtering rows.

PostgreSQL full text is set up to split and match words as SQLite's FTS5 (`porter unicode61
remove_diacritics 2`) does: the original Porter stemmer (as FTS5's, not Snowball English),
accents removed (unaccent), and punctuation separating words (PostgreSQL's parser would keep
"KN-23" as `kn` and `-23`, "3.5" as one number, e-mail addresses and URLs whole). The search
columns are generated again with the new configuration.

Revision ID: 0004_indexes
Revises: 0003_trust
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_indexes"
down_revision: str | None = "0003_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Punctuation (and symbols) become spaces before PostgreSQL's parser sees the text.
WORDS_ONLY = "regexp_replace({}, '[[:punct:]]+', ' ', 'g')"
SEARCH_COLUMNS = (
    # table, column, index, source expression
    ("claims", "search_vector", "ix_claims_search_vector", "statement"),
    ("stances", "quote_vector", "ix_stances_quote_vector", "coalesce(quote, '')"),
)


def _regenerate(words_only: bool) -> None:
    for table, column, index, source in SEARCH_COLUMNS:
        text = WORDS_ONLY.format(source) if words_only else source
        op.execute(f"DROP INDEX {index}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} tsvector"
            f" GENERATED ALWAYS AS (to_tsvector('claimgraph'::regconfig, {text})) STORED"
        )
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({column})")


def upgrade() -> None:
    op.create_index(op.f("ix_stances_claim_id_id"), "stances", ["claim_id", "id"])
    op.create_index(op.f("ix_stances_actor_id_id"), "stances", ["actor_id", "id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("ALTER TEXT SEARCH DICTIONARY claimgraph_stem (Language = porter)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION claimgraph"
        " ALTER MAPPING FOR word, hword, hword_part WITH unaccent, claimgraph_stem"
    )
    _regenerate(words_only=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION claimgraph"
            " ALTER MAPPING FOR word, hword, hword_part WITH claimgraph_stem"
        )
        op.execute("ALTER TEXT SEARCH DICTIONARY claimgraph_stem (Language = english)")
        _regenerate(words_only=False)
        # The unaccent extension stays: other objects of the database may use it.
    op.drop_index(op.f("ix_stances_actor_id_id"), table_name="stances")
    op.drop_index(op.f("ix_stances_claim_id_id"), table_name="stances")
