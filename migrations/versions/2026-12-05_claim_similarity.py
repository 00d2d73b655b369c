"""Similar claims: trigram matching of statements beside the full text of 0002.

`GET /v1/claims/similar` and the stance suggestions find candidate claims by full text (any
word of the text, ranked) and by trigrams, which forgive misspellings and the endings stemming
misses (`Korean` holds `korea`); the candidates are then scored alike on both databases.
SQLite: an FTS5 table with the trigram tokenizer (substring matches), kept by triggers.
PostgreSQL: pg_trgm and a GIN trigram index on the statement (`%` and similarity()).

It follows 0010_secrets, written beside it (both were first made to follow 0009_source_match).
The downgrade leaves the pg_trgm extension installed: other objects of the database may use
it, and an extension is not a table or index of this schema.

Revision ID: 0010_similarity
Revises: 0010_secrets
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_similarity"
down_revision: str | None = "0010_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE claims_fts_trigram USING fts5("
    " claim_id UNINDEXED, statement, tokenize = 'trigram')",
    "INSERT INTO claims_fts_trigram (claim_id, statement) SELECT id, statement FROM claims",
    """CREATE TRIGGER claims_fts_trigram_insert AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts_trigram (claim_id, statement) VALUES (new.id, new.statement);
    END""",
    """CREATE TRIGGER claims_fts_trigram_update AFTER UPDATE OF statement ON claims BEGIN
        DELETE FROM claims_fts_trigram WHERE claim_id = old.id;
        INSERT INTO claims_fts_trigram (claim_id, statement) VALUES (new.id, new.statement);
    END""",
    """CREATE TRIGGER claims_fts_trigram_delete AFTER DELETE ON claims BEGIN
        DELETE FROM claims_fts_trigram WHERE claim_id = old.id;
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER claims_fts_trigram_delete",
    "DROP TRIGGER claims_fts_trigram_update",
    "DROP TRIGGER claims_fts_trigram_insert",
    "DROP TABLE claims_fts_trigram",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_claims_statement_trgm ON claims USING gin (statement gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX ix_claims_statement_trgm"]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_UP if sqlite else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_DOWN if sqlite else POSTGRES_DOWN:
        op.execute(statement)
