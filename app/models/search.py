"""Schema objects that live outside the SQLAlchemy models: full-text search, and the claims'
link arrays on PostgreSQL.

They are created by migrations 0002, 0006, 0007, 0008, 0010 and 0020 with dialect-specific
SQL (FTS5 on SQLite, with tables that map ids to their full-text rows; generated tsvector
columns, their indexes, the `claim_terms` word lists and the `claim_links` arrays on
PostgreSQL), and model/schema comparisons leave them out.
"""

SEARCH_TABLE_PREFIXES = ("claims_fts", "stances_fts", "claim_terms", "claim_links")
SEARCH_COLUMNS = frozenset({"search_vector", "quote_vector"})
SEARCH_INDEXES = frozenset(
    {
        "ix_claims_search_vector",
        "ix_stances_quote_vector",
        "ix_claims_statement_relevance",
        "ix_claims_statement_trgm",
    }
)


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether a schema object belongs to full-text search (and is not in the models)."""
    if name is None:
        return False
    if type_ == "table":
        return name.startswith(SEARCH_TABLE_PREFIXES)
    if type_ == "column":
        return name in SEARCH_COLUMNS
    if type_ == "index":
        return name in SEARCH_INDEXES
    return False


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's include_object hook: compare everything but the search objects."""
    return not (reflected and is_search_object(name, type_))
