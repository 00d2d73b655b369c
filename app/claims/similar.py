"""Finding existing claims like a text: the databases find candidates, `similarity` scores them.

Candidates are the claims sharing the most words with the text (full text, any word, ranked by
the engine: FTS5's bm25 on SQLite, ts_rank on PostgreSQL) and the most trigram-similar ones
(SQLite: FTS5's trigram tokenizer, a substring match of each word's stem; PostgreSQL:
pg_trgm's `%`), `CANDIDATES` of each. Every candidate is then scored by
`app.claims.similarity`, the same on both databases.
"""

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims import service
from app.claims.rows import is_postgres
from app.claims.schemas import ClaimCreate, ClaimCreated, SimilarClaim
from app.claims.similarity import search_terms, similarity, stems

CANDIDATES = 20
# `POST /v1/claims` names existing claims at least this close.
CLOSE = 0.6
CLOSE_LIMIT = 5
MAX_WORDS = 64  # words of the text a full-text query uses (a long text's first ones)

SQLITE_WORDS = """SELECT claim_id FROM (SELECT claim_id FROM claims_fts
    WHERE claims_fts MATCH :words ORDER BY bm25(claims_fts) LIMIT :n)"""
SQLITE_TRIGRAMS = """SELECT claim_id FROM (SELECT claim_id FROM claims_fts_trigram
    WHERE claims_fts_trigram MATCH :stems ORDER BY bm25(claims_fts_trigram) LIMIT :n)"""
POSTGRES_WORDS = """(SELECT id FROM claims WHERE search_vector @@ to_tsquery('claimgraph', :words)
    ORDER BY ts_rank(search_vector, to_tsquery('claimgraph', :words)) DESC LIMIT :n)"""
POSTGRES_TRIGRAMS = """(SELECT id FROM claims WHERE statement % :text
    ORDER BY similarity(statement, :text) DESC LIMIT :n)"""


def _query(postgres: bool, words: list[str], stemmed: list[str]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"n": CANDIDATES}
    parts = []
    if words:
        if postgres:
            params["words"] = " | ".join(words)
        else:  # each word quoted: FTS5 query syntax in a text is taken literally
            params["words"] = " OR ".join(f'"{w}"' for w in words)
        parts.append(POSTGRES_WORDS if postgres else SQLITE_WORDS)
    if postgres:
        parts.append(POSTGRES_TRIGRAMS)
    elif stemmed:
        params["stems"] = " OR ".join(f'"{s}"' for s in stemmed)
        parts.append(SQLITE_TRIGRAMS)
    found = " UNION ".join(parts)
    return f"SELECT id, statement FROM claims WHERE id IN ({found})", params


async def candidates(session: AsyncSession, texts: list[str]) -> list[tuple[uuid.UUID, str]]:
    """The candidate claims (id, statement) for any of `texts`, each once."""
    postgres = is_postgres(session)
    found: dict[uuid.UUID, str] = {}
    for each in texts:
        words = search_terms(each)[:MAX_WORDS]
        stemmed = stems(" ".join(words))
        if not words and not stemmed:
            continue
        sql, params = _query(postgres, words, stemmed)
        if postgres:
            params["text"] = each[:2000]
        rows = await session.execute(text(sql), params)
        for claim_id, statement in rows.all():
            found[uuid.UUID(str(claim_id))] = statement
    return list(found.items())


async def similar_claims(
    session: AsyncSession,
    query: str,
    *,
    limit: int = 10,
    min_score: float = 0.0,
) -> list[SimilarClaim]:
    """Existing claims like `query`, most similar first (ties by id), at least `min_score`."""
    scored = [
        SimilarClaim(id=claim_id, statement=statement, score=similarity(query, statement))
        for claim_id, statement in await candidates(session, [query])
    ]
    scored = [s for s in scored if s.score > 0 and s.score >= min_score]
    scored.sort(key=lambda s: (-s.score, str(s.id)))
    return scored[:limit]


async def create_claim(session: AsyncSession, data: ClaimCreate, *, by: str | None) -> ClaimCreated:
    """The new claim, with the existing claims close to it (for clients to merge)."""
    close = await similar_claims(session, data.statement, limit=CLOSE_LIMIT, min_score=CLOSE)
    claim = await service.create_claim(session, data, by=by)
    return ClaimCreated(**claim.model_dump(), similar=close)
