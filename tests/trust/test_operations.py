"""Operations: liveness, readiness, Prometheus metrics, request ids and JSON access logs."""

import json
import logging
import re
import socket
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from pythonjsonlogger.json import JsonFormatter

from app.main import create_app
from app.settings import Settings
from tests.conftest import client_for
from tests.factories import make_actor
from tests.trust.conftest import NewDatabase

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class TestHealth:
    async def test_healthz(self, anonymous: httpx.AsyncClient) -> None:
        r = await anonymous.get("/healthz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok"}

    async def test_readyz(self, anonymous: httpx.AsyncClient) -> None:
        r = await anonymous.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok"}


class TestNotReady:
    """/readyz answers 503 with Retry-After when the schema is behind or the database away."""

    async def test_schema_behind(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            app = create_app(Settings(database_url=url))  # not migrated; lifespan not run
            try:
                async with client_for(app) as http:
                    r = await http.get("/readyz")
            finally:
                await app.state.engine.dispose()
        assert r.status_code == 503
        assert r.headers["retry-after"]
        assert r.json()["status"] == "unavailable"
        assert "claimgraph db upgrade" in r.json()["reason"]

    async def test_database_unreachable(self, backend: str, tmp_path: object) -> None:
        if backend == "postgresql":
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]  # nothing listens here once the socket closes
            url = f"postgresql://postgres@127.0.0.1:{port}/nowhere"
        else:
            url = "sqlite:////nonexistent-directory/claimgraph.db"
        app = create_app(Settings(database_url=url))
        try:
            async with client_for(app) as http:
                r = await http.get("/readyz")
                assert (await http.get("/healthz")).status_code == 200  # the process is up
        finally:
            await app.state.engine.dispose()
        assert r.status_code == 503
        assert r.headers["retry-after"]
        assert r.json()["status"] == "unavailable"


class TestMetrics:
    """Request counts and latencies by route template and status; pool gauges."""

    async def test_exposition(self, client: httpx.AsyncClient, backend: str) -> None:
        actor = await make_actor(client)
        await client.get(f"/v1/actors/{actor['id']}")
        await client.get("/v1/actors/00000000-0000-0000-0000-000000000000")
        r = await client.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        text = r.text
        assert re.search(
            r'claimgraph_requests_total\{method="GET",route="/v1/actors/\{actor_id\}",'
            r'status="200"\} [1-9]',
            text,
        ), text[:2000]
        assert 'route="/v1/actors/{actor_id}",status="404"' in text
        assert 'claimgraph_requests_total{method="POST",route="/v1/actors",status="201"}' in text
        assert 'claimgraph_request_seconds_bucket{le="0.1",method="GET"' in text
        assert "claimgraph_request_seconds_count" in text
        # ids never become label values (one time series per route, not per record)
        labels = [line for line in text.splitlines() if line.startswith("claimgraph_")]
        assert not any(UUID.search(line) for line in labels)
        if backend == "postgresql":
            for gauge in ("size", "checked_out", "checked_in", "overflow"):
                assert re.search(rf"^claimgraph_db_pool_{gauge} \d", text, re.M), gauge

    async def test_unmatched_routes_share_one_label(self, client: httpx.AsyncClient) -> None:
        await client.get("/no/such/path/12345")
        text = (await client.get("/metrics")).text
        assert 'route="unmatched",status="404"' in text
        assert "/no/such/path" not in text


class TestRequestId:
    """X-Request-ID: a sane incoming id is kept, anything else replaced; always echoed."""

    async def test_generated(self, anonymous: httpx.AsyncClient) -> None:
        a = (await anonymous.get("/healthz")).headers["x-request-id"]
        b = (await anonymous.get("/healthz")).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", a)
        assert a != b

    @pytest.mark.parametrize("incoming", ["abc-123", "trace:01HX.9_z", "x" * 64])
    async def test_sane_kept(self, anonymous: httpx.AsyncClient, incoming: str) -> None:
        r = await anonymous.get("/v1/actors", headers={"X-Request-ID": incoming})
        assert r.headers["x-request-id"] == incoming

    @pytest.mark.parametrize(
        "incoming", ["", "has space", "x" * 65, "semi;colon", "new\\nline", "<script>"]
    )
    async def test_insane_replaced(self, anonymous: httpx.AsyncClient, incoming: str) -> None:
        r = await anonymous.get("/v1/actors", headers={"X-Request-ID": incoming})
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])

    async def test_echoed_on_errors(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/v1/actors", json={}, headers={"X-Request-ID": "bad-input-1"})
        assert r.status_code == 422
        assert r.headers["x-request-id"] == "bad-input-1"


@pytest.fixture
def access_log() -> Iterator[list[logging.LogRecord]]:
    """Records of the access logger, as the app's own handler formats them."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("claimgraph.access")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


class TestAccessLog:
    """One JSON line per request, carrying its request id."""

    async def test_json_line_per_request(
        self, app: FastAPI, client: httpx.AsyncClient, access_log: list[logging.LogRecord]
    ) -> None:
        formatters = [h.formatter for h in logging.getLogger("claimgraph").handlers]
        formatter = next(f for f in formatters if isinstance(f, JsonFormatter))
        r = await client.get("/v1/actors", headers={"X-Request-ID": "log-me-1"})
        await client.get("/healthz")
        lines = [json.loads(formatter.format(record)) for record in access_log]
        assert len(lines) == 2
        first = lines[0]
        assert first["request_id"] == "log-me-1" == r.headers["x-request-id"]
        assert first["method"] == "GET"
        assert first["route"] == "/v1/actors"
        assert first["status"] == 200
        assert first["levelname"] == "INFO"
        assert isinstance(first["ms"], float)
        assert lines[1]["route"] == "/healthz"
