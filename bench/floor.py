"""The stack's own floor: a bare FastAPI app (no middleware, no keys, no docs, no history)
serving the paths of Q5 and W1 through the service's own SQLAlchemy engines and small Pydantic
models, nothing checked.

- `GET /v1/claims/{id}` reads one claim by key. Any read of the service does at least this
  much, so `Q ÷ /healthz` can be no better than this route's req/s over `/healthz`.
- `POST /v1/stances` writes what the ceiling's W1 writes (the stance row and its claim's
  counters, in one transaction), through SQLAlchemy Core. With `--write contract` it also
  does the three things the service's contract asks of every write and the ceiling skips:
  the API key's check, the claim's tallies that Q5 reads, and the history row. A stance
  create of the service does at least that much (and checks its references and duplicates
  besides), so its `W1 ÷ ceiling` can be no better than this route's.

    python bench/floor.py --database-url sqlite:///bench/.data/bench-10000-seed1.db --port 8002
    wrk -t2 -c16 -d5s http://127.0.0.1:8002/v1/claims/<id>

`bench/run.py --floor` serves it beside the service and the ceiling and measures Q5 and W1.
"""

import argparse
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel
from sqlalchemy import bindparam, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.auth.keys import hash_key
from app.db.engines import create_engine
from app.models import ApiKey, Change, Claim, ClaimStats, Stance
from app.tallies.stats import tally_new_stance
from app.vocabulary import StanceLabel, side_of


class ClaimOut(BaseModel):
    id: uuid.UUID
    statement: str


class StanceIn(BaseModel):
    claim_id: uuid.UUID
    actor_id: uuid.UUID
    source_id: uuid.UUID
    label: StanceLabel
    quote: str | None = None


class StanceOut(BaseModel):
    id: uuid.UUID
    label: StanceLabel
    side: str


def build(url: str, contract: bool = False) -> FastAPI:
    engine = create_engine(url, autocommit=True)  # as the service reads
    writer = create_engine(url)  # as the service writes (SQLite: its one writer)
    statement = select(Claim.id, Claim.statement).where(Claim.id == bindparam("id"))
    stats = ClaimStats.__table__.c
    key_hash = select(ApiKey.hash).where(ApiKey.prefix == bindparam("prefix"))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()
        await writer.dispose()

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.get("/v1/claims/{claim_id}", response_model=ClaimOut)
    async def claim(claim_id: uuid.UUID) -> ClaimOut:
        async with engine.connect() as conn:
            row = (await conn.execute(statement, {"id": claim_id})).first()
        if row is None:
            raise HTTPException(404)
        return ClaimOut(id=row.id, statement=row.statement)

    @app.post("/v1/stances", response_model=StanceOut, status_code=201)
    async def stance(body: StanceIn, authorization: str = Header("")) -> StanceOut:
        if contract:
            key = authorization.removeprefix("Bearer ")
            async with engine.connect() as conn:
                stored = await conn.scalar(key_hash, {"prefix": "_".join(key.split("_", 2)[:2])})
            if stored != hash_key(key):
                raise HTTPException(401)
        now = datetime.now(UTC)
        side = side_of(body.label)
        values = {
            "id": uuid.uuid4(),
            "claim_id": body.claim_id,
            "actor_id": body.actor_id,
            "source_id": body.source_id,
            "label": body.label.value,
            "side": side.value,
            "quote": body.quote,
            "stated_at": now,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        counted = {side.value: stats[side.value] + 1, "total": stats.total + 1}
        async with writer.begin() as conn:
            await conn.execute(insert(Stance.__table__), values)
            await conn.execute(
                update(ClaimStats.__table__).where(stats.claim_id == body.claim_id).values(counted)
            )
            if contract:
                await tally_new_stance(
                    conn,
                    body.claim_id,
                    side.value,
                    actor_id=body.actor_id,
                    label=body.label.value,
                    probability=None,
                )
                change = {
                    "entity": "stance",
                    "entity_id": values["id"],
                    "version": 1,
                    "action": "create",
                    "writer": "bench",
                    "request_id": None,
                    "at": now,
                }
                await conn.execute(insert(Change.__table__), change)
        return StanceOut(id=values["id"], label=body.label, side=side.value)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument(
        "--write",
        choices=("ceiling", "contract"),
        default="ceiling",
        help="what a stance write does: the ceiling's statements, or also the contract's",
    )
    args = parser.parse_args()
    app = build(args.database_url, args.write == "contract")
    uvicorn.run(app, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
