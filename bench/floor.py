"""The stack's own floor for a read: a bare FastAPI app (no middleware, no keys, no docs)
whose one route reads one claim by key through the service's own SQLAlchemy engine and answers
with a small Pydantic model. Any read of the service does at least this much, so `Q ÷ /healthz`
can be no better than this route's req/s over the service's `/healthz`.

    python bench/floor.py --database-url sqlite:///bench/.data/bench-10000-seed1.db --port 8002
    wrk -t2 -c16 -d5s http://127.0.0.1:8002/v1/claims/<id>
"""

import argparse
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import bindparam, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.db.engines import create_engine
from app.models import Claim


class ClaimOut(BaseModel):
    id: uuid.UUID
    statement: str


def build(url: str) -> FastAPI:
    engine = create_engine(url)
    statement = select(Claim.id, Claim.statement).where(Claim.id == bindparam("id"))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.get("/v1/claims/{claim_id}", response_model=ClaimOut)
    async def claim(claim_id: uuid.UUID) -> ClaimOut:
        async with engine.connect() as conn:
            row = (await conn.execute(statement, {"id": claim_id})).first()
        if row is None:
            raise HTTPException(404)
        return ClaimOut(id=row.id, statement=row.statement)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()
    uvicorn.run(build(args.database_url), port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
