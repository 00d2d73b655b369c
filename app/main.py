"""The ASGI application: routers, error handlers, and the lifespan that checks the schema."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from app import __version__
from app.actors.routes import router as actors_router
from app.claims.question_routes import router as claim_questions_router
from app.claims.routes import router as claims_router
from app.db import create_engine, create_sessionmaker
from app.docs import install_docs
from app.errors import install_error_handlers
from app.middleware import RejectNulInURL
from app.migrate import SchemaNotCurrent, check_current
from app.settings import Settings, get_settings
from app.sources.routes import router as sources_router
from app.stances.routes import router as stances_router
from app.vocabulary_routes import router as vocabulary_router

DESCRIPTION = """
claimgraph records **who asserted a claim, where, when, with what certainty, and who disputes
it**. Actors take *stances* on *claims*, as recorded in *sources*; each stance has a label from
one controlled vocabulary (`confirmed` … `denied`, see `/v1/vocabulary/stances`) whose side
(support, neutral, dispute) and ICD 203 probability band are fixed.

Lists are keyset-paginated: pass `next_cursor` back as `cursor` (also in the `Link` header).
Errors are RFC 9457 problem details (`application/problem+json`) with a stable `type`.
Dates and times are ISO 8601; a value sent without a time zone is taken as UTC. Ids are UUIDs.
"""


class Health(BaseModel):
    """Whether the service can answer requests."""

    status: str = Field(description="`ok`, or `unavailable` when it cannot answer.")
    reason: str | None = Field(default=None, description="Why it is unavailable.")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A claimgraph app bound to the settings' database."""
    settings = settings or get_settings()
    engine = create_engine(
        settings.database_url, pool_size=settings.db_pool_size, echo=settings.db_echo
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await check_current(engine)  # refuse to serve a database whose migrations are behind
        yield
        await engine.dispose()

    app = FastAPI(
        title="claimgraph",
        version=__version__,
        summary="Claim provenance: who asserted what, where, when, and who disputes it.",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(RejectNulInURL)
    for router in (
        actors_router,
        sources_router,
        claims_router,
        claim_questions_router,
        stances_router,
        vocabulary_router,
    ):
        app.include_router(router)

    @app.get(
        "/healthz",
        tags=["operations"],
        operation_id="healthz",
        summary="Liveness",
        response_model_exclude_none=True,
    )
    async def healthz() -> Health:
        """The process is up (it does not touch the database)."""
        return Health(status="ok")

    @app.get(
        "/readyz",
        tags=["operations"],
        operation_id="readyz",
        summary="Readiness",
        responses={
            200: {"model": Health, "description": "Ready to serve."},
            503: {"model": Health, "description": "Database unreachable or schema not current."},
        },
    )
    async def readyz() -> JSONResponse:
        """The database answers and its migrations are current; 503 otherwise."""
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            await check_current(engine)
        except SchemaNotCurrent as exc:
            return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
        except Exception as exc:  # any failure to reach the database means not ready
            return JSONResponse(
                {"status": "unavailable", "reason": type(exc).__name__}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    return app


__all__ = ["SchemaNotCurrent", "create_app"]
