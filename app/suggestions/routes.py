"""`POST /v1/suggestions`: the stances a text appears to hold. Reads only (a `read` key, when
reads need one); stores nothing."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.http.deps import get_session
from app.http.problem_docs import problem_responses
from app.suggestions import service
from app.suggestions.schemas import SuggestionRequest, SuggestionsOut

router = APIRouter(prefix="/v1/suggestions", tags=["suggestions"])


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for a request that only reads, whatever its method: on PostgreSQL the one GET
    requests use (no transaction: two round trips fewer; the replica when one is
    configured); otherwise the request's usual session."""
    reader = getattr(request.app.state, "query_sessionmaker", None)
    if reader is None:
        async for session in get_session(request):
            yield session
        return
    async with reader() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(read_session, scope="function")]


@router.post(
    "",
    operation_id="suggest_stances",
    summary="Suggest the stances a text holds",
    responses=problem_responses(404, 422),
    # Guarded as a read (app.main.read_guard): documented so (app.http.contract).
    openapi_extra={"x-reads-only": True},
)
async def suggest_stances(data: SuggestionRequest, session: ReadSessionDep) -> SuggestionsOut:
    """Read a source's stored text (`source_id`: its publisher speaks for the text's own
    voice) or a given `text`, and answer the stances it appears to hold: who (an existing actor,
    matched by name or alias ignoring case, titles and possessives, or a proposed name and
    kind), on which claim (one of `claim_ids`/`claims` when given, else the best existing claim,
    else the words proposed as a new statement), with which label, the verbatim quote and its
    span, the cue words that decided the label, a score, and a body ready for
    `POST /v1/stances` when actor, claim and source exist.

    Found by explainable rules over the cue lexicon (the vocabulary's words per label, kept as
    data): attributed speech (`X said`, `according to X`, quotations before or after the
    speaker, `X, who …, said`), the text's own voice (`reportedly`, `it is unclear whether`, a
    hedged headline), negation (`did not deny`, `could not confirm`) and hedges (`highly
    likely`, `may`); one sentence may hold several stances. Stores nothing: accept a suggestion
    by posting its `stance`. See docs/suggestions.md for the rules and their measured
    precision and recall."""
    return await service.suggest(session, data)
