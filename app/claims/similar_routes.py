"""`GET /v1/claims/similar`: existing claims like a text. Its own router, added before the
claims router so that `/v1/claims/{claim_id}` does not take `similar` for an id."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from app.claims import similar
from app.claims.schemas import SimilarClaims
from app.http.deps import SessionDep
from app.http.problem_docs import problem_responses

router = APIRouter(prefix="/v1/claims", tags=["claims"])


@router.get(
    "/similar",
    operation_id="list_similar_claims",
    summary="Find claims like a text",
    responses=problem_responses(422),
)
async def list_similar_claims(
    session: SessionDep,
    text: Annotated[
        str,
        Query(
            min_length=1,
            max_length=1000,
            description="A statement, headline or sentence to find existing claims like.",
        ),
    ],
    limit: Annotated[
        int, Query(ge=1, le=50, description="How many claims to answer, at most.")
    ] = 10,
    min_score: Annotated[
        float, Query(ge=0, le=1, description="Leave out claims scoring below this.")
    ] = 0.0,
) -> SimilarClaims:
    """Existing claims ranked by similarity to `text`, most similar first, each with a score
    (0-1): three quarters the share of content words (stemmed, with demonyms and common news
    synonyms folded), a quarter the share of trigrams. Candidates come from full-text and
    trigram search (SQLite FTS5, PostgreSQL tsvector and pg_trgm); the score is computed
    alike on both databases. Use it to find the claim a text is about before creating one."""
    items = await similar.similar_claims(session, text, limit=limit, min_score=min_score)
    return SimilarClaims(items=items)


@router.api_route(
    "/similar",
    methods=["PATCH", "DELETE"],
    include_in_schema=False,
    operation_id="similar_claims_method_not_allowed",
)
async def similar_claims_method_not_allowed(
    text: str | None = None, limit: str | None = None, min_score: str | None = None
) -> None:
    """405: `/v1/claims/similar` is not a claim. Without this route, PATCH and DELETE would
    reach the routes of `/v1/claims/{claim_id}` and be refused for `similar` as an id. (It
    takes the GET's query parameters, so that they are not refused as unknown first.)"""
    raise HTTPException(status_code=405)
