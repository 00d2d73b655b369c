"""Finding existing claims like a text: the databases find candidates, `similarity` scores them.

Candidates are the claims sharing the most words with the text (full text, any word, ranked by
the engine: FTS5's bm25 on SQLite, ts_rank on PostgreSQL) and the most trigram-similar ones
(SQLite: FTS5's trigram tokenizer, a substring match of each word's stem; PostgreSQL:
pg_trgm's `%`), `CANDIDATES` of each. Every candidate is then scored by
`app.claims.similarity`, the same on both databases.
"""

import uuid

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims import service
from app.claims.rows import is_postgres
from app.claims.schemas import ClaimCreate, SimilarClaim
from app.claims.similarity import search_terms, similarity, stems
from app.claims.summary import ClaimDetailFields

CANDIDATES = 20
# `POST /v1/claims` names existing claims at least this close (in its `Link` header: the body
# is the claim as `GET` shows it, with the same ETag).
CLOSE = 0.6
CLOSE_LIMIT = 5
MAX_WORDS = 64  # words of the text a full-text query uses (a long text's first ones)

# Each text's candidates, tagged with the text's number; texts are read in batches, one
# statement each (SQLite allows 500 terms in a compound SELECT).
BATCH = 100
SQLITE_WORDS = """SELECT {n} AS k, claim_id FROM (SELECT claim_id FROM claims_fts
    WHERE claims_fts MATCH :words{n} ORDER BY bm25(claims_fts) LIMIT :limit)"""
SQLITE_TRIGRAMS = """SELECT {n} AS k, claim_id FROM (SELECT claim_id FROM claims_fts_trigram
    WHERE claims_fts_trigram MATCH :stems{n} ORDER BY bm25(claims_fts_trigram) LIMIT :limit)"""
POSTGRES_WORDS = """(SELECT {n} AS k, id AS claim_id FROM claims
    WHERE search_vector @@ to_tsquery('claimgraph', :words{n})
    ORDER BY ts_rank(search_vector, to_tsquery('claimgraph', :words{n})) DESC LIMIT :limit)"""
POSTGRES_TRIGRAMS = """(SELECT {n} AS k, id AS claim_id FROM claims WHERE statement % :text{n}
    ORDER BY similarity(statement, :text{n}) DESC LIMIT :limit)"""


def _parts(postgres: bool, n: int, query: str, params: dict[str, object], fuzzy: bool) -> list[str]:
    """The subqueries finding text `n`'s candidates, their parameters added to `params`."""
    words = search_terms(query)[:MAX_WORDS]
    stemmed = stems(" ".join(words))
    parts = []
    if words:
        if postgres:
            params[f"words{n}"] = " | ".join(words)
        else:  # each word quoted: FTS5 query syntax in a text is taken literally
            params[f"words{n}"] = " OR ".join(f'"{w}"' for w in words)
        parts.append((POSTGRES_WORDS if postgres else SQLITE_WORDS).format(n=n))
    if not fuzzy:
        return parts
    if postgres and words:
        params[f"text{n}"] = query[:2000]
        parts.append(POSTGRES_TRIGRAMS.format(n=n))
    elif stemmed:
        params[f"stems{n}"] = " OR ".join(f'"{s}"' for s in stemmed)
        parts.append(SQLITE_TRIGRAMS.format(n=n))
    return parts


async def candidates(
    session: AsyncSession, texts: list[str], *, fuzzy: bool = True
) -> list[list[tuple[uuid.UUID, str]]]:
    """For each of `texts`, its candidate claims (id, statement); with `fuzzy`, the
    trigram-similar ones too (a trigram search costs about three times a word search: the
    suggestions, which look up every sentence of a text, leave it out)."""
    postgres = is_postgres(session)
    found: list[set[uuid.UUID]] = [set() for _ in texts]
    statements: dict[uuid.UUID, str] = {}
    for first in range(0, len(texts), BATCH):
        params: dict[str, object] = {"limit": CANDIDATES}
        parts = [
            part
            for n in range(first, min(first + BATCH, len(texts)))
            for part in _parts(postgres, n, texts[n], params, fuzzy)
        ]
        if not parts:
            continue
        tagged = " UNION ALL ".join(parts)
        sql = (
            f"SELECT t.k, c.id, c.statement FROM ({tagged}) AS t JOIN claims c ON c.id = t.claim_id"
        )
        for k, claim_id, statement in (await session.execute(text(sql), params)).all():
            ident = uuid.UUID(str(claim_id))
            found[k].add(ident)
            statements[ident] = statement
    return [sorted((i, statements[i]) for i in ids) for ids in found]


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
        for claim_id, statement in (await candidates(session, [query]))[0]
    ]
    scored = [s for s in scored if s.score > 0 and s.score >= min_score]
    scored.sort(key=lambda s: (-s.score, str(s.id)))
    return scored[:limit]


async def create_claim(
    session: AsyncSession, data: ClaimCreate, *, by: str | None
) -> tuple[ClaimDetailFields, list[SimilarClaim]]:
    """The new claim's `ClaimDetail` fields (as `GET` shows it), and the existing claims close
    to it (for clients to merge)."""
    close = await similar_claims(session, data.statement, limit=CLOSE_LIMIT, min_score=CLOSE)
    claim = await service.create_claim(session, data, by=by)
    return await service.get_claim(session, claim.id), close


def similar_links(request: Request, close: list[SimilarClaim]) -> str | None:
    """An RFC 8288 `Link` header value naming each close claim (`rel="related"`, with its
    score), or None when there is none."""
    links = [
        f'<{request.url_for("get_claim", claim_id=c.id)}>; rel="related"; score="{c.score}"'
        for c in close
    ]
    return ", ".join(links) or None
