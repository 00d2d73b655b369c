"""Full-text matching and relevance: the claims whose statement, or any stance's quote on them,
contains every word of `q` (after stemming), ranked alike on both databases.

Full text runs on SQLite's FTS5 and on PostgreSQL's tsvector/GIN, set up alike (Porter
stemming, no stop words, accents and punctuation ignored).
"""

import re
import unicodedata

from sqlalchemy import (
    Float,
    Integer,
    ScalarSelect,
    Subquery,
    Uuid,
    bindparam,
    column,
    literal_column,
    select,
    table,
    text,
)

from app.claims.filters import ClaimId, FilterShape
from app.claims.listing import LIMIT, STATS_COLUMNS, after_key, claims_with_stats, in_order
from app.claims.rows import CLAIM_COLUMNS, with_links
from app.db.statements import Statement, built_once
from app.errors import InvalidField
from app.models import Claim, ClaimStats

# Relevance: a claim whose statement matches ranks above one matched only through a quote; in
# each tier the shorter matching text ranks higher (what BM25 reduces to when each word occurs
# once, as in one-sentence statements and quotes). The score depends on the matching text
# alone, not on the rest of the corpus, so both databases give the same order, and writing
# other claims does not move a listed claim between pages.
SQLITE_MATCH = """
SELECT claim_id, MAX(score) AS score FROM (
    SELECT claim_id, 1 + 1.0 / (1 + length(statement)) AS score
    FROM claims_fts WHERE claims_fts MATCH :q
    UNION ALL
    SELECT claim_id, 1.0 / (1 + length(quote)) AS score
    FROM stances_fts WHERE stances_fts MATCH :q
) GROUP BY claim_id
"""
# A quote's words (PostgreSQL): the expression `ix_stances_quote_vector` is built on (migration
# 0017), written the same so that the planner matches them through it.
QUOTE_WORDS = (
    "to_tsvector('claimgraph'::regconfig,"
    " regexp_replace(coalesce(quote, ''), '[[:punct:]]+', ' ', 'g'))"
)
POSTGRES_MATCH = f"""
SELECT claim_id, MAX(score) AS score FROM (
    SELECT id AS claim_id, 1 + 1 / (1 + length(statement))::float8 AS score
    FROM claims WHERE search_vector @@ plainto_tsquery('claimgraph', :q)
    UNION ALL
    SELECT claim_id, 1 / (1 + length(quote))::float8 AS score
    FROM stances WHERE {QUOTE_WORDS} @@ plainto_tsquery('claimgraph', :q)
) AS matched GROUP BY claim_id
"""


# The statement tier alone: a claim whose statement matches outranks every claim matched only
# through a quote, so when the statement matches fill a page, that page is the page. The score
# is written as the PostgreSQL expression index `ix_claims_statement_relevance` is (migration
# 0006), so that a common word's page is read in index order, stopping after a page, instead
# of ranking tens of thousands of matches.
STATEMENT_SCORE = {
    "postgresql": "1 + 1 / (1 + length(claims.statement))::float8",
    "sqlite": "1 + 1.0 / (1 + length(claims.statement))",
}
# PostgreSQL: each word of each statement with its claim's score, in (lexeme, score, claim_id)
# key order (`claim_terms`, migration 0007, kept by triggers on `claims`). A one-word search
# reads its page from the key in relevance order and stops, whatever the word's place in the
# relevance order of all claims.
CLAIM_TERMS = table(
    "claim_terms", column("lexeme"), column("score", Float), column("claim_id", Uuid)
)
# The lexeme of a one-word `:q`, whose list is walked.
QUERY_LEXEME: ScalarSelect[str] = (
    text("SELECT lexeme FROM unnest(to_tsvector('claimgraph', :q)) LIMIT 1")
    .columns(column("lexeme"))
    .scalar_subquery()
)
STATEMENT_MATCH = {
    "postgresql": "claims.search_vector @@ plainto_tsquery('claimgraph', :q)",
    "sqlite": "claims.id IN (SELECT claim_id FROM claims_fts WHERE claims_fts MATCH :q)",
}


def search_words(q: str) -> list[str]:
    """The words of a query: runs of letters and digits (punctuation and `_` separate), as
    both engines split text."""
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFC", q))


def match_parameter(dialect: str, q: str) -> str:
    """`q` as the engine's match parameter."""
    words = search_words(q)
    if not words:
        raise InvalidField("q", "must contain at least one word", location="query")
    # Each word quoted for FTS5: query syntax in user input is taken literally.
    return " ".join(f'"{w}"' for w in words) if dialect == "sqlite" else " ".join(words)


def _matches(dialect: str) -> Subquery:
    """Every claim matching `:q` (statement or quote), with its best score."""
    sql = SQLITE_MATCH if dialect == "sqlite" else POSTGRES_MATCH
    return text(sql).columns(claim_id=Uuid(), score=Float()).subquery("matched")


@built_once
def ranked_statement(postgres: bool, shape: FilterShape, sort: str, after: bool) -> Statement:
    """A page of the claims matching `:q` in statement or quote, in the sort's order."""
    matched = _matches("postgresql" if postgres else "sqlite")
    stmt = claims_with_stats(Claim.__table__, postgres, shape)
    stmt = stmt.join(matched, matched.c.claim_id == Claim.id).add_columns(matched.c.score)
    return in_order(stmt, sort, after, score=matched.c.score)


@built_once
def term_page(after: bool) -> Statement:
    """PostgreSQL, one word and no filter: a page and one of the claims whose statement holds
    the word, read from `claim_terms` in relevance order. The walk's LIMIT is the page's: the
    planner then reads the key in order and stops (with a longer walk it would rather sort the
    word's whole list)."""
    terms = CLAIM_TERMS
    walked = select(terms.c.claim_id, terms.c.score).where(terms.c.lexeme == QUERY_LEXEME)
    if after:
        walked = walked.where(after_key(terms.c.score, terms.c.claim_id, Float()))
    order = (terms.c.score.desc(), terms.c.claim_id.desc())
    walk = walked.order_by(*order).limit(LIMIT).subquery("walk")
    stmt = _with_claims(walk, walk.c.claim_id).where(text(STATEMENT_MATCH["postgresql"]))
    return stmt.order_by(walk.c.score.desc(), walk.c.claim_id.desc()).limit(LIMIT)


def _with_claims(ranked: Subquery, claim_id: ClaimId) -> Statement:
    """PostgreSQL: the rows of `ranked` (claim ids with their scores) joined to their claims'
    columns, links and counters."""
    stmt = select(*CLAIM_COLUMNS, *STATS_COLUMNS, ranked.c.score)
    stmt = stmt.join_from(ranked, Claim, Claim.id == claim_id)
    return with_links(
        stmt.join(ClaimStats, ClaimStats.claim_id == claim_id), claim_id, postgres=True
    )


@built_once
def walk_statement(postgres: bool, shape: FilterShape, after: bool) -> Statement:
    """PostgreSQL: the matches among the next `:walk` claims in relevance order (the
    index `ix_claims_statement_relevance`). When they fill a page, no claim further down can
    rank above them; when they do not, the caller ranks every match instead."""
    score = literal_column(STATEMENT_SCORE["postgresql"], Float)
    walked = select(*CLAIM_COLUMNS, literal_column("search_vector"), score.label("score"))
    if after:
        walked = walked.where(after_key(score, Claim.id, Float()))
    walked = walked.order_by(score.desc(), Claim.id.desc())
    walk = walked.limit(bindparam("walk", type_=Integer)).subquery("walk")
    stmt = claims_with_stats(walk, postgres, shape).add_columns(walk.c.score)
    match = text("walk.search_vector @@ plainto_tsquery('claimgraph', :q)")
    return stmt.where(match).order_by(walk.c.score.desc(), walk.c.id.desc()).limit(LIMIT)


@built_once
def statement_tier(postgres: bool, shape: FilterShape, after: bool) -> Statement:
    """Every claim whose statement matches `:q`, ranked, a page and one of them."""
    dialect = "postgresql" if postgres else "sqlite"
    score = literal_column(STATEMENT_SCORE[dialect], Float).label("score")
    match = text(STATEMENT_MATCH[dialect])
    if not postgres:
        stmt = claims_with_stats(Claim.__table__, postgres, shape).add_columns(score)
        stmt = stmt.where(match)
        if after:
            stmt = stmt.where(after_key(score, Claim.id, Float()))
        # The page first, then its claims' links for its rows alone (beside the ranking,
        # their subqueries would run for every match).
        page = stmt.order_by(score.desc(), Claim.id.desc()).limit(LIMIT).subquery("page")
        linked = with_links(select(page), page.c.id, postgres=False)
        return linked.order_by(page.c.score.desc(), page.c.id.desc())
    # Past the walk: every match from the GIN index, ranked by its score alone (OFFSET 0 keeps
    # the planner from walking the relevance index again, match by match); the page's rows
    # are then joined to their columns and counters, and put back in order by the caller.
    matched = select(Claim.id, score).where(match, *shape.conditions(Claim.id))
    if shape.contested is not None:
        matched = matched.join(ClaimStats, ClaimStats.claim_id == Claim.id)
    found = matched.offset(0).subquery("matched")
    top = select(found)
    if after:
        top = top.where(after_key(found.c.score, found.c.id, Float()))
    ranked = top.order_by(found.c.score.desc(), found.c.id.desc()).limit(LIMIT).subquery("ranked")
    return _with_claims(ranked, ranked.c.id)
