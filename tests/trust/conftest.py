"""Helpers for the trust tests: keys of each scope, clients that carry them, and second apps
with other settings on the same database."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import keys
from app.main import create_app
from app.settings import Settings
from tests.conftest import new_key

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]
MakeKey = Callable[..., Awaitable[str]]


@pytest.fixture
def make_key(app: FastAPI) -> MakeKey:
    """Make a key of a scope (optionally already expired) directly in the database."""

    async def make(scope: str, *, expires_in: timedelta | None = None, name: str = "t") -> str:
        return await new_key(app.state.sessionmaker, keys.Scope(scope), name, expires_in=expires_in)

    return make


def prefix_of(key: str) -> str:
    """The prefix a key is listed and recorded by (`cg_<hex>`)."""
    return "_".join(key.split("_")[:2])


@asynccontextmanager
async def app_with(database_url: str, **settings: Any) -> AsyncIterator[FastAPI]:
    """Another app on the test database with these settings (its own engine and pool)."""
    application = create_app(Settings(database_url=database_url, **settings))
    async with application.router.lifespan_context(application):
        yield application


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


def postgres_only(
    backend: str, why: str = "SQLite has no server to lose or statements to cancel"
) -> None:
    if backend != "postgresql":
        pytest.skip(f"PostgreSQL only: {why}")


async def posted_twice(
    client: httpx.AsyncClient, key: str, statement: str
) -> tuple[httpx.Response, httpx.Response]:
    """The claim `statement` POSTed with Idempotency-Key `key` (answered 201), and POSTed again
    the moment that answer is in: both answers."""
    headers = {"Idempotency-Key": key}
    body = {"statement": statement}
    first = await client.post("/v1/claims", json=body, headers=headers)
    assert first.status_code == 201, first.text
    return first, await client.post("/v1/claims", json=body, headers=headers)
