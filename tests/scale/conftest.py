"""The scale tests run against clusters of their own (tests/scale/cluster.py): a primary, a
hot standby made with pg_basebackup and PgBouncer, started from the PostgreSQL server
binaries on free ports. They run with the PostgreSQL backend; without the server binaries or
PgBouncer they are skipped, except under CI, where that is a failure."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.scale.cluster import Cluster, missing_parts
from tests.scale.service import prepare


def need_cluster(backend: str) -> None:
    """Skip unless this run may start clusters here (fail instead under CI)."""
    if backend != "postgresql":
        pytest.skip("the scale tests run with the PostgreSQL backend")
    missing = missing_parts()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: CI must run the scale tests")
        pytest.skip(missing)


@dataclass
class Running:
    """A started cluster with its database migrated, and a write key for it."""

    cluster: Cluster
    key: str


@pytest.fixture(scope="session")
async def running(backend: str) -> AsyncIterator[Running]:
    """The shared cluster: asynchronous replication, the standby streaming directly."""
    need_cluster(backend)
    with Cluster() as cluster:
        key = await prepare(cluster.primary.url())
        cluster.wait_replayed()
        yield Running(cluster, key)


@asynccontextmanager
async def serving(**settings: Any) -> AsyncIterator[FastAPI]:
    """An app (in this process) with these settings, started and stopped around the block;
    stopping it closes its connections, which makes the servers publish their statistics."""
    application = create_app(Settings(**{"log_level": "warning", **settings}))
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def http(application: FastAPI, key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application),
        base_url="http://test",
        timeout=10,
        headers=headers,
    ) as client:
        yield client
