"""Full-text search over statements and quotes, per-claim stance counters, query indexes.

SQLite: FTS5 tables (porter stemming) kept in step by triggers. PostgreSQL: generated tsvector
columns with GIN indexes, under a text search configuration `claimgraph` (English stemming, no
stop words, so that both databases match the same words).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE claims_fts USING fts5("
    " claim_id UNINDEXED, statement, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE stances_fts USING fts5("
    " stance_id UNINDEXED, claim_id UNINDEXED, quote,"
    " tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO claims_fts (claim_id, statement) SELECT id, statement FROM claims",
    "INSERT INTO stances_fts (stance_id, claim_id, quote)"
    " SELECT id, claim_id, quote FROM stances WHERE quote IS NOT NULL",
    """CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts (claim_id, statement) VALUES (new.id, new.statement);
    END""",
    """CREATE TRIGGER claims_fts_update AFTER UPDATE OF statement ON claims BEGIN
        DELETE FROM claims_fts WHERE claim_id = old.id;
        INSERT INTO claims_fts (claim_id, statement) VALUES (new.id, new.statement);
    END""",
    """CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
        DELETE FROM claims_fts WHERE claim_id = old.id;
    END""",
    """CREATE TRIGGER stances_fts_insert AFTER INSERT ON stances
    WHEN new.quote IS NOT NULL BEGIN
        INSERT INTO stances_fts (stance_id, claim_id, quote)
        VALUES (new.id, new.claim_id, new.quote);
    END""",
    """CREATE TRIGGER stances_fts_update AFTER UPDATE OF quote ON stances BEGIN
        DELETE FROM stances_fts WHERE stance_id = old.id;
        INSERT INTO stances_fts (stance_id, claim_id, quote)
        SELECT new.id, new.claim_id, new.quote WHERE new.quote IS NOT NULL;
    END""",
    """CREATE TRIGGER stances_fts_delete AFTER DELETE ON stances
    WHEN old.quote IS NOT NULL BEGIN
        DELETE FROM stances_fts WHERE stance_id = old.id;
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER stances_fts_delete",
    "DROP TRIGGER stances_fts_update",
    "DROP TRIGGER stances_fts_insert",
    "DROP TRIGGER claims_fts_delete",
    "DROP TRIGGER claims_fts_update",
    "DROP TRIGGER claims_fts_insert",
    "DROP TABLE stances_fts",
    "DROP TABLE claims_fts",
]
POSTGRES_UP = [
    "CREATE TEXT SEARCH DICTIONARY claimgraph_stem (TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH CONFIGURATION claimgraph (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION claimgraph"
    " ALTER MAPPING REPLACE english_stem WITH claimgraph_stem",
    "ALTER TABLE claims ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('claimgraph'::regconfig, statement)) STORED",
    "CREATE INDEX ix_claims_search_vector ON claims USING gin (search_vector)",
    "ALTER TABLE stances ADD COLUMN quote_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('claimgraph'::regconfig, coalesce(quote, ''))) STORED",
    "CREATE INDEX ix_stances_quote_vector ON stances USING gin (quote_vector)",
    # Prefix search on folded names is a range scan: it needs bytewise ordering.
    'ALTER TABLE actors ALTER COLUMN name_folded TYPE VARCHAR(400) COLLATE "C"',
    'ALTER TABLE actor_aliases ALTER COLUMN alias_folded TYPE VARCHAR(400) COLLATE "C"',
]
POSTGRES_DOWN = [
    'ALTER TABLE actor_aliases ALTER COLUMN alias_folded TYPE VARCHAR(400) COLLATE "default"',
    'ALTER TABLE actors ALTER COLUMN name_folded TYPE VARCHAR(400) COLLATE "default"',
    "DROP INDEX ix_stances_quote_vector",
    "ALTER TABLE stances DROP COLUMN quote_vector",
    "DROP INDEX ix_claims_search_vector",
    "ALTER TABLE claims DROP COLUMN search_vector",
    "DROP TEXT SEARCH CONFIGURATION claimgraph",
    "DROP TEXT SEARCH DICTIONARY claimgraph_stem",
]

# Counters for claims that already have stances (and zero rows for those that do not).
BACKFILL_STATS = """
INSERT INTO claim_stats (claim_id, support, neutral, dispute, total, retracted, contested,
                         first_stated_at, latest_stated_at, activity_at)
SELECT c.id,
       COALESCE(SUM(CASE WHEN s.side = 'support' AND s.retracted_at IS NULL THEN 1 END), 0),
       COALESCE(SUM(CASE WHEN s.side = 'neutral' AND s.retracted_at IS NULL THEN 1 END), 0),
       COALESCE(SUM(CASE WHEN s.side = 'dispute' AND s.retracted_at IS NULL THEN 1 END), 0),
       COALESCE(SUM(CASE WHEN s.id IS NOT NULL AND s.retracted_at IS NULL THEN 1 END), 0),
       COALESCE(SUM(CASE WHEN s.retracted_at IS NOT NULL THEN 1 END), 0),
       COALESCE(SUM(CASE WHEN s.side = 'support' AND s.retracted_at IS NULL THEN 1 END), 0) > 0
         AND COALESCE(SUM(CASE WHEN s.side = 'dispute' AND s.retracted_at IS NULL THEN 1 END), 0)
         > 0,
       MIN(CASE WHEN s.retracted_at IS NULL THEN s.stated_at END),
       MAX(CASE WHEN s.retracted_at IS NULL THEN s.stated_at END),
       COALESCE(MAX(CASE WHEN s.retracted_at IS NULL THEN s.stated_at END), c.created_at)
FROM claims c LEFT JOIN stances s ON s.claim_id = c.id
GROUP BY c.id, c.created_at
"""


def upgrade() -> None:
    op.create_table(
        "claim_stats",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("support", sa.Integer(), server_default="0", nullable=False),
        sa.Column("neutral", sa.Integer(), server_default="0", nullable=False),
        sa.Column("dispute", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retracted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("first_stated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_stated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_stats_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_stats")),
    )
    for columns in (
        ["contested", "activity_at", "claim_id"],
        ["contested", "total", "claim_id"],
        ["activity_at", "claim_id"],
        ["total", "claim_id"],
    ):
        op.create_index(op.f(f"ix_claim_stats_{'_'.join(columns)}"), "claim_stats", columns)
    op.create_index(
        op.f("ix_stances_actor_id_claim_id_side"), "stances", ["actor_id", "claim_id", "side"]
    )
    op.create_index(op.f("ix_stances_stated_at_claim_id"), "stances", ["stated_at", "claim_id"])
    op.execute(BACKFILL_STATS)
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
    op.drop_index(op.f("ix_stances_stated_at_claim_id"), table_name="stances")
    op.drop_index(op.f("ix_stances_actor_id_claim_id_side"), table_name="stances")
    op.drop_table("claim_stats")
