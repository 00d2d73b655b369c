"""SQLite's full-text rows are found by their row number, kept beside each claim's and
stance's id (SQLite).

An FTS5 table indexes its text, not the ids it holds beside it: the triggers that removed a
deleted or edited claim's words (`DELETE FROM claims_fts WHERE claim_id = old.id`) read every
row of the table, for each claim, and again in the trigram table; likewise a stance's quote.
`claims_fts_rows` and `stances_fts_rows` map each id to its full-text row number (both claim
tables give a claim the same number), so the triggers reach the row directly. The content
tables' own rowids would do until a VACUUM renumbers them.

Revision ID: 0020_search_rows
Revises: 0019_packed_indexes
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_search_rows"
down_revision: str | None = "0019_packed_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TRIGGERS = (
    "claims_fts_insert",
    "claims_fts_update",
    "claims_fts_delete",
    "claims_fts_trigram_insert",
    "claims_fts_trigram_update",
    "claims_fts_trigram_delete",
    "stances_fts_insert",
    "stances_fts_update",
    "stances_fts_delete",
)
NEW_TRIGGERS = (
    "claims_fts_insert",
    "claims_fts_update",
    "claims_fts_delete",
    "stances_fts_insert",
    "stances_fts_update",
    "stances_fts_delete",
)
CLAIM_ROW = "(SELECT fts_rowid FROM claims_fts_rows WHERE claim_id = old.id)"
STANCE_ROW = "(SELECT fts_rowid FROM stances_fts_rows WHERE stance_id = old.id)"

UP = [
    *(f"DROP TRIGGER {name}" for name in OLD_TRIGGERS),
    "CREATE TABLE claims_fts_rows (claim_id CHAR(32) PRIMARY KEY, fts_rowid INTEGER NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE stances_fts_rows (stance_id CHAR(32) PRIMARY KEY, fts_rowid INTEGER NOT NULL)"
    " WITHOUT ROWID",
    "INSERT INTO claims_fts_rows SELECT claim_id, rowid FROM claims_fts",
    "INSERT INTO stances_fts_rows SELECT stance_id, rowid FROM stances_fts",
    # The trigram table's rows renumbered as claims_fts's.
    "DELETE FROM claims_fts_trigram",
    "INSERT INTO claims_fts_trigram (rowid, claim_id, statement)"
    " SELECT r.fts_rowid, c.id, c.statement FROM claims c JOIN claims_fts_rows r"
    " ON r.claim_id = c.id",
    """CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts (claim_id, statement) VALUES (new.id, new.statement);
        INSERT INTO claims_fts_trigram (rowid, claim_id, statement)
        VALUES (last_insert_rowid(), new.id, new.statement);
        INSERT INTO claims_fts_rows VALUES (new.id, last_insert_rowid());
    END""",
    f"""CREATE TRIGGER claims_fts_update AFTER UPDATE OF statement ON claims BEGIN
        UPDATE claims_fts SET statement = new.statement WHERE rowid = {CLAIM_ROW};
        UPDATE claims_fts_trigram SET statement = new.statement WHERE rowid = {CLAIM_ROW};
    END""",
    f"""CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
        DELETE FROM claims_fts WHERE rowid = {CLAIM_ROW};
        DELETE FROM claims_fts_trigram WHERE rowid = {CLAIM_ROW};
        DELETE FROM claims_fts_rows WHERE claim_id = old.id;
    END""",
    """CREATE TRIGGER stances_fts_insert AFTER INSERT ON stances
    WHEN new.quote IS NOT NULL BEGIN
        INSERT INTO stances_fts (stance_id, claim_id, quote)
        VALUES (new.id, new.claim_id, new.quote);
        INSERT INTO stances_fts_rows VALUES (new.id, last_insert_rowid());
    END""",
    f"""CREATE TRIGGER stances_fts_update AFTER UPDATE OF quote ON stances BEGIN
        DELETE FROM stances_fts WHERE rowid = {STANCE_ROW};
        DELETE FROM stances_fts_rows WHERE stance_id = old.id;
        INSERT INTO stances_fts (stance_id, claim_id, quote)
        SELECT new.id, new.claim_id, new.quote WHERE new.quote IS NOT NULL;
        INSERT INTO stances_fts_rows
        SELECT new.id, last_insert_rowid() WHERE new.quote IS NOT NULL;
    END""",
    f"""CREATE TRIGGER stances_fts_delete AFTER DELETE ON stances
    WHEN old.quote IS NOT NULL BEGIN
        DELETE FROM stances_fts WHERE rowid = {STANCE_ROW};
        DELETE FROM stances_fts_rows WHERE stance_id = old.id;
    END""",
]

# The triggers as migrations 0002 and 0010 made them.
DOWN = [
    *(f"DROP TRIGGER {name}" for name in NEW_TRIGGERS),
    "DROP TABLE claims_fts_rows",
    "DROP TABLE stances_fts_rows",
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


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in DOWN:
        op.execute(statement)
