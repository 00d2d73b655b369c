"""Fixtures for the question tests: apps on databases of their own, built once per backend and
only read by the tests that share them (the worked example, a search corpus, seeded data)."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from app import migrate
from app.demo.loader import Loader, demo_lines
from app.main import create_app
from app.settings import Settings
from tests.conftest import client_for, fresh_database, new_key

Ids = dict[str, uuid.UUID]


@asynccontextmanager
async def own_app(
    backend: str, tmp_path_factory: pytest.TempPathFactory, name: str
) -> AsyncIterator[FastAPI]:
    """The real app on a new database of this backend, migrated to head; dropped after."""
    async with fresh_database(backend, tmp_path_factory.mktemp(f"{name}-{backend}")) as url:
        application = create_app(Settings(database_url=url))
        await migrate.upgrade(application.state.engine)
        try:
            async with application.router.lifespan_context(application):
                yield application
        finally:
            await application.state.engine.dispose()


@asynccontextmanager
async def admin_client(application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `application` holding a new admin key."""
    async with client_for(application, await new_key(application.state.sessionmaker)) as http:
        yield http


@pytest.fixture(scope="session")
async def demo_app(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[FastAPI, Ids]]:
    """The app on its own database holding the worked example, loaded once (the tests that
    use it only read), and the example's record keys mapped to ids."""
    async with own_app(backend, tmp_path_factory, "demo") as application:
        async with application.state.sessionmaker() as session:
            loader = Loader(session, by="demo")
            await loader.load(demo_lines())
            await session.commit()
        yield application, loader.ids


@pytest.fixture
async def demo_client(demo_app: tuple[FastAPI, Ids]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the worked-example app (read-only: every test shares it)."""
    async with client_for(demo_app[0]) as http:
        yield http


@pytest.fixture
def demo_ids(demo_app: tuple[FastAPI, Ids]) -> Ids:
    """The worked example's record keys (e.g. `kremlin`) mapped to ids."""
    return demo_app[1]
