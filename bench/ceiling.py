"""The reference limit: the benchmark's hot queries answered by a minimal Starlette app with
hand-written SQL (asyncpg on PostgreSQL, sqlite3 on SQLite) and orjson, without an ORM, without
validation, without authentication or history. It exists only to be measured against; it reads
the same schema and the same data as the service and answers the same URLs with the same JSON
content.

    python bench/ceiling.py --database-url postgresql://postgres@127.0.0.1/bench --port 8001
"""

import argparse
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STANCE_SELECT = """
SELECT s.id, s.claim_id, s.actor_id, s.source_id, s.label, s.side, s.probability,
       s.confidence, s.quote, s.quote_start, s.quote_end, s.quote_prefix, s.quote_suffix,
       s.stated_at, s.recorded_by, s.retracted_at, s.retraction_source_id, s.created_at,
       s.updated_at, s.version, a.name, a.kind, src.title, src.url, src.publisher_id, p.name,
       src.published_at, c.statement
FROM stances s
JOIN actors a ON a.id = s.actor_id
JOIN sources src ON src.id = s.source_id
LEFT JOIN actors p ON p.id = src.publisher_id
JOIN claims c ON c.id = s.claim_id
"""
# A quote's words, as the quote index is built on them (app/claims/ranking.py).
QUOTE_WORDS = (
    "to_tsvector('claimgraph'::regconfig,"
    " regexp_replace(coalesce(quote, ''), '[[:punct:]]+', ' ', 'g'))"
)
SUPPORT = frozenset({"confirmed", "asserted", "highly_likely", "likely"})
BANDS = {
    "confirmed": (0.95, 1.0),
    "highly_likely": (0.8, 0.95),
    "likely": (0.55, 0.8),
    "possible": (0.45, 0.55),
    "unlikely": (0.2, 0.45),
    "highly_unlikely": (0.05, 0.2),
    "denied": (0.0, 0.05),
}


def json(body: Any, status: int = 200) -> Response:
    # asyncpg returns its own UUID type, which orjson leaves to `default`.
    return Response(
        orjson.dumps(body, default=str), status_code=status, media_type="application/json"
    )


def stance_json(r: Any) -> dict[str, Any]:
    band = BANDS.get(r[4])
    return {
        "id": r[0],
        "claim_id": r[1],
        "actor_id": r[2],
        "source_id": r[3],
        "label": r[4],
        "side": r[5],
        "probability": r[6],
        "band": {"low": band[0], "high": band[1]} if band else None,
        "confidence": r[7],
        "quote": r[8],
        "quote_span": {"start": r[9], "end": r[10], "prefix": r[11] or "", "suffix": r[12] or ""}
        if r[9] is not None
        else None,
        "stated_at": r[13],
        "recorded_by": r[14],
        "retracted_at": r[15],
        "retraction_source_id": r[16],
        "created_at": r[17],
        "updated_at": r[18],
        "version": r[19],
        "actor": {"id": r[2], "name": r[20], "kind": r[21]},
        "source": {
            "id": r[3],
            "title": r[22],
            "url": r[23],
            "publisher_id": r[24],
            "publisher": {"id": r[24], "name": r[25]} if r[24] else None,
            "published_at": r[26],
        },
        "claim": {"id": r[1], "statement": r[27]},
    }


class Postgres:
    """Queries through one asyncpg pool."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+asyncpg://", "postgresql://")
        self.pool: Any = None

    async def start(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.url, min_size=4, max_size=10)

    def ident(self, value: str) -> Any:
        return uuid.UUID(value)


class Sqlite:
    """Queries on one sqlite3 connection, called inline (no thread hop)."""

    def __init__(self, url: str) -> None:
        self.path = url.split("///", 1)[1]
        self.conn: sqlite3.Connection | None = None

    async def start(self) -> None:
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.execute("PRAGMA foreign_keys=ON")

    def ident(self, value: str) -> Any:
        return uuid.UUID(value).hex


def _numbered(sql: str) -> str:
    """`?` placeholders as $1, $2 … for asyncpg."""
    parts = sql.split("?")
    return "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))


def build(db_url: str) -> Starlette:
    db: Any = Postgres(db_url) if db_url.startswith("postgresql") else Sqlite(db_url)
    postgres = isinstance(db, Postgres)

    async def fetch(sql: str, *args: Any) -> list[Any]:
        if postgres:
            return list(await db.pool.fetch(_numbered(sql), *args))
        assert db.conn is not None
        return db.conn.execute(sql, args).fetchall()

    def limit_of(request: Request) -> int:
        return min(int(request.query_params.get("limit", 50)), 500)

    async def claim_stances(request: Request) -> Response:
        claim = db.ident(request.path_params["claim_id"])
        side = request.query_params.get("side")
        limit = limit_of(request)
        where = "WHERE s.claim_id = ? AND s.retracted_at IS NULL"
        args: list[Any] = [claim]
        if side:
            where += " AND s.side = ?"
            args.append(side)
        rows = await fetch(f"{STANCE_SELECT} {where} ORDER BY s.id LIMIT {limit + 1}", *args)
        return json(
            {
                "items": [stance_json(r) for r in rows[:limit]],
                "next_cursor": "more" if len(rows) > limit else None,
            }
        )

    async def actor_stances(request: Request) -> Response:
        actor = db.ident(request.path_params["actor_id"])
        limit = limit_of(request)
        rows = await fetch(
            f"{STANCE_SELECT} WHERE s.actor_id = ? AND s.retracted_at IS NULL "
            f"ORDER BY s.id LIMIT {limit + 1}",
            actor,
        )
        return json(
            {
                "items": [stance_json(r) for r in rows[:limit]],
                "next_cursor": "more" if len(rows) > limit else None,
            }
        )

    async def claims(request: Request) -> Response:
        limit = limit_of(request)
        q = request.query_params.get("q")
        if q:
            words = " ".join(w for w in q.lower().split() if w.isalnum())
            if postgres:
                sql = (
                    "SELECT c.id, c.statement, st.support, st.neutral, st.dispute, st.total, "
                    "st.contested, st.latest_stated_at, m.score FROM claims c "
                    "JOIN claim_stats st ON st.claim_id = c.id JOIN ("
                    "SELECT claim_id, MAX(score) AS score FROM ("
                    "SELECT id AS claim_id, ts_rank(search_vector, q)::float8 AS score FROM claims,"
                    " plainto_tsquery('claimgraph', ?) q WHERE search_vector @@ q UNION ALL "
                    f"SELECT claim_id, ts_rank({QUOTE_WORDS}, q)::float8 / 2 FROM stances, "
                    f"plainto_tsquery('claimgraph', ?) q WHERE {QUOTE_WORDS} @@ q) x "
                    "GROUP BY claim_id) m ON m.claim_id = c.id "
                    f"ORDER BY m.score DESC, c.id DESC LIMIT {limit + 1}"
                )
                rows = await fetch(sql, words, words)
            else:
                match = " ".join(f'"{w}"' for w in words.split())
                sql = (
                    "SELECT c.id, c.statement, st.support, st.neutral, st.dispute, st.total, "
                    "st.contested, st.latest_stated_at, m.score FROM claims c "
                    "JOIN claim_stats st ON st.claim_id = c.id JOIN ("
                    "SELECT claim_id, MAX(score) AS score FROM ("
                    "SELECT claim_id, -bm25(claims_fts) AS score FROM claims_fts "
                    "WHERE claims_fts MATCH ? UNION ALL SELECT claim_id, -bm25(stances_fts) / 2 "
                    "FROM stances_fts WHERE stances_fts MATCH ?) GROUP BY claim_id) m "
                    f"ON m.claim_id = c.id ORDER BY m.score DESC, c.id DESC LIMIT {limit + 1}"
                )
                rows = await fetch(sql, match, match)
        else:  # contested=true&sort=stances
            rows = await fetch(
                "SELECT c.id, c.statement, st.support, st.neutral, st.dispute, st.total, "
                "st.contested, st.latest_stated_at, NULL FROM claim_stats st "
                "JOIN claims c ON c.id = st.claim_id WHERE st.contested "
                f"ORDER BY st.total DESC, st.claim_id DESC LIMIT {limit + 1}"
            )
        items = [
            {
                "id": r[0],
                "statement": r[1],
                "stats": {
                    "support": r[2],
                    "neutral": r[3],
                    "dispute": r[4],
                    "total": r[5],
                    "contested": bool(r[6]),
                    "latest_stated_at": r[7],
                },
                "score": r[8],
            }
            for r in rows[:limit]
        ]
        return json({"items": items, "next_cursor": "more" if len(rows) > limit else None})

    async def claim(request: Request) -> Response:
        claim_id = db.ident(request.path_params["claim_id"])
        rows = await fetch(
            "SELECT c.id, c.statement, c.occurred_from, c.occurred_to, c.created_at, "
            "c.updated_at, c.version, st.support, st.neutral, st.dispute, st.total, "
            "st.retracted, st.contested, st.first_stated_at, st.latest_stated_at, "
            "st.support_actors, st.neutral_actors, st.dispute_actors "
            "FROM claims c JOIN claim_stats st ON st.claim_id = c.id WHERE c.id = ?",
            claim_id,
        )
        if not rows:
            return json({"status": 404}, 404)
        c = rows[0]
        tags = [
            r[0] for r in await fetch("SELECT tag FROM claim_tags WHERE claim_id = ?", claim_id)
        ]
        about = [
            r[0]
            for r in await fetch(
                "SELECT actor_id FROM claim_subjects WHERE claim_id = ? ORDER BY position", claim_id
            )
        ]
        # The same tallies the service reads (kept as stances change).
        tallies = await fetch(
            "SELECT label, probability, stances FROM claim_tallies WHERE claim_id = ?", claim_id
        )
        labels: dict[str, int] = {}
        for label, _, n in tallies:
            labels[label] = labels.get(label, 0) + n
        values = sorted(
            (p if p >= 0 else sum(BANDS[label]) / 2, n)
            for label, p, n in tallies
            if label in SUPPORT and (p >= 0 or label in BANDS)
        )
        actor_counts = {"support": c[15], "neutral": c[16], "dispute": c[17]}
        return json(
            {
                "id": c[0],
                "statement": c[1],
                "tags": tags,
                "about_actor_ids": about,
                "occurred_from": c[2],
                "occurred_to": c[3],
                "created_at": c[4],
                "updated_at": c[5],
                "version": c[6],
                "summary": {
                    "total": c[10],
                    "by_side": {
                        side: {"stances": c[i], "actors": actor_counts.get(side, 0)}
                        for side, i in (("support", 7), ("neutral", 8), ("dispute", 9))
                    },
                    "by_label": dict(labels),
                    "contested": bool(c[12]),
                    "first_stated_at": c[13],
                    "latest_stated_at": c[14],
                    "retracted": c[11],
                    "support_probability": {"values": len(values)} if values else None,
                },
            }
        )

    async def create_stance(request: Request) -> Response:
        body = orjson.loads(await request.body())
        now = datetime.now(UTC)
        sid = uuid.uuid4()
        side = {
            "confirmed": "support",
            "asserted": "support",
            "highly_likely": "support",
            "likely": "support",
            "possible": "neutral",
            "reported": "neutral",
            "no_comment": "neutral",
        }.get(body["label"], "dispute")
        claim = db.ident(body["claim_id"])
        values = (
            db.ident(str(sid)),
            claim,
            db.ident(body["actor_id"]),
            db.ident(body["source_id"]),
            body["label"],
            side,
            now,
            now,
            now,
        )
        insert = (
            "INSERT INTO stances (id, claim_id, actor_id, source_id, label, side, stated_at, "
            "created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
        )
        bump = f"UPDATE claim_stats SET {side} = {side} + 1, total = total + 1 WHERE claim_id = ?"
        if postgres:
            async with db.pool.acquire() as conn, conn.transaction():
                await conn.execute(_numbered(insert), *values)
                await conn.execute(_numbered(bump), claim)
        else:
            assert db.conn is not None
            with db.conn:
                naive = now.replace(tzinfo=None).isoformat(" ")
                db.conn.execute(insert, (*values[:6], naive, naive, naive))
                db.conn.execute(bump, (claim,))
        return json({"id": sid}, 201)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await db.start()
        yield

    app = Starlette(
        routes=[
            Route("/v1/claims/{claim_id}/stances", claim_stances),
            Route("/v1/actors/{actor_id}/stances", actor_stances),
            Route("/v1/claims", claims),
            Route("/v1/claims/{claim_id}", claim),
            Route("/v1/stances", create_stance, methods=["POST"]),
            # The framework's own floor for /healthz: a bare FastAPI app with the same route.
            Route("/healthz", bare_fastapi()),
        ],
        lifespan=lifespan,
    )
    return app


def bare_fastapi() -> FastAPI:
    """FastAPI with nothing but the service's /healthz route (no middleware, no docs)."""
    bare = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @bare.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(
        build(args.database_url),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
