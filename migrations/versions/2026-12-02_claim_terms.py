"""Search: each word's statements in relevance order on PostgreSQL.

`claim_terms` holds one row per word (lexeme) of each claim's statement, with the claim's
statement score, under a primary key in (lexeme, score, claim_id) order. A search for one word
reads the first page of that word's claims from the key in order and stops, where the GIN index
gives every match unordered: ranking the 10,000 matches of a word found in 10% of 100k claims
read 4,000 pages. Statement-level triggers keep the rows in step with `claims` (a bulk COPY
writes a claim's words in one statement per batch, not one per row). SQLite has no use for it:
its FTS5 index gives matches by rowid, not by score.

Revision ID: 0007_terms
Revises: 0006_relevance
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_terms"
down_revision: str | None = "0006_relevance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The score, as `ix_claims_statement_relevance` (0006) and the search code write it.
SCORE = "1 + 1 / (1 + length({0}.statement))::float8"
TERMS_OF = "SELECT w.lexeme, " + SCORE + ", {0}.id FROM {1}, unnest({0}.search_vector) AS w"

UP = [
    # The "C" collation: lexemes are compared for equality only, and bytewise is the cheapest.
    'CREATE TABLE claim_terms (lexeme TEXT COLLATE "C" NOT NULL, score FLOAT8 NOT NULL,'
    " claim_id UUID NOT NULL, CONSTRAINT pk_claim_terms PRIMARY KEY (lexeme, score, claim_id))",
    "INSERT INTO claim_terms " + TERMS_OF.format("claims", "claims"),
    f"""CREATE FUNCTION claim_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO claim_terms {TERMS_OF.format("n", "new_claims AS n")};
        RETURN NULL;
    END $$""",
    # Only the claims whose statement changed: an update of other columns leaves the words.
    f"""CREATE FUNCTION claim_terms_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM claim_terms AS t USING (
            {TERMS_OF.format("o", "old_claims AS o JOIN new_claims AS n ON n.id = o.id")}
            WHERE n.statement IS DISTINCT FROM o.statement
        ) AS gone (lexeme, score, claim_id)
        WHERE t.lexeme = gone.lexeme AND t.score = gone.score AND t.claim_id = gone.claim_id;
        INSERT INTO claim_terms
            {TERMS_OF.format("n", "new_claims AS n JOIN old_claims AS o ON o.id = n.id")}
            WHERE n.statement IS DISTINCT FROM o.statement;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION claim_terms_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM claim_terms AS t USING ({TERMS_OF.format("o", "old_claims AS o")})
            AS gone (lexeme, score, claim_id)
        WHERE t.lexeme = gone.lexeme AND t.score = gone.score AND t.claim_id = gone.claim_id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER claim_terms_insert AFTER INSERT ON claims"
    " REFERENCING NEW TABLE AS new_claims FOR EACH STATEMENT EXECUTE FUNCTION claim_terms_insert()",
    "CREATE TRIGGER claim_terms_update AFTER UPDATE ON claims"
    " REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims"
    " FOR EACH STATEMENT EXECUTE FUNCTION claim_terms_update()",
    "CREATE TRIGGER claim_terms_delete AFTER DELETE ON claims"
    " REFERENCING OLD TABLE AS old_claims FOR EACH STATEMENT EXECUTE FUNCTION claim_terms_delete()",
]
DOWN = [
    "DROP TRIGGER claim_terms_delete ON claims",
    "DROP TRIGGER claim_terms_update ON claims",
    "DROP TRIGGER claim_terms_insert ON claims",
    "DROP FUNCTION claim_terms_delete()",
    "DROP FUNCTION claim_terms_update()",
    "DROP FUNCTION claim_terms_insert()",
    "DROP TABLE claim_terms",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWN:
            op.execute(statement)
