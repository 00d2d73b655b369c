"""Operational endpoints: liveness, readiness, metrics."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from app.http.observability import metrics_response
from app.http.problem_docs import text_responses
from app.migrate import SchemaNotCurrent, check_current

router = APIRouter(tags=["operations"])
# Metrics name routes and counts: behind the read check, like the data.
metrics_router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """Whether the service can answer requests."""

    status: str = Field(description="`ok`, or `unavailable` when it cannot answer.")
    reason: str | None = Field(default=None, description="Why it is unavailable.")


@router.get(
    "/healthz", operation_id="healthz", summary="Liveness", response_model_exclude_none=True
)
async def healthz() -> Health:
    """The process is up (it does not touch the database)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness",
    responses={
        200: {"model": Health, "description": "Ready to serve."},
        503: {"model": Health, "description": "Database unreachable or schema not current."},
    },
)
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its migrations are current; 503 otherwise."""
    engine = request.app.state.engine
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        await check_current(engine)
    except SchemaNotCurrent as exc:
        return JSONResponse(
            {"status": "unavailable", "reason": str(exc)},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    except Exception as exc:  # any failure to reach the database means not ready
        return JSONResponse(
            {"status": "unavailable", "reason": type(exc).__name__},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ok"})


@metrics_router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=text_responses("Prometheus text format.", 401, 403, 429),
)
async def metrics(request: Request) -> Response:
    """Request counts and latencies by route and status, and database pool use, in the
    Prometheus text format."""
    return metrics_response(request.app.state.engine)
