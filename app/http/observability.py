"""Request ids, structured JSON logs and Prometheus metrics, as one pure ASGI middleware.

Each request gets an id (the caller's `X-Request-ID` if it is sane, else a new one), echoed in
the response, bound to the history rows it writes and to its log line. Metrics count requests
and time them by route template and status; pool gauges are read at scrape time. With several
worker processes, set PROMETHEUS_MULTIPROC_DIR so that /metrics sums them.
"""

import logging
import os
import re
import time
import uuid
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from app.context import current_request_id, current_writer
from app.http.asgi import HTTPMiddleware

log = logging.getLogger("claimgraph.access")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

REQUESTS = Counter(
    "claimgraph_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "claimgraph_request_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def configure_logging(level: str) -> None:
    """JSON lines on stderr for the app's loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("claimgraph")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


READS = frozenset({"GET", "HEAD"})


def _cache_control(method: str, status: int, path: str) -> bytes:
    """Reads may be kept but must be revalidated (their ETag makes that cheap); writes,
    errors and anything about API keys are never stored."""
    if method in READS and status < 400 and not path.startswith("/v1/keys"):
        return b"no-cache"
    return b"no-store"


class RequestContext(HTTPMiddleware):
    """Request id, access log and metrics for every HTTP request; the headers every response
    carries (`X-Request-ID`, `X-Content-Type-Options`, `Cache-Control`); and HEAD, answered
    as GET without the body."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        writer_token = current_writer.set(None)  # set by the key check; never carried over
        status = 500
        started = time.perf_counter()
        method = scope["method"]
        if method == "HEAD":
            scope = {**scope, "method": "GET"}

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", _cache_control(method, status, path)))
                message = {**message, "headers": headers}
            elif method == "HEAD" and message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {**message, "body": b""}
            await send(message)

        path = scope["path"]
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )
            current_request_id.reset(token)
            current_writer.reset(writer_token)


class PoolCollector:
    """Database connection pool use, read when scraped."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.engine.sync_engine.pool
        for name, doc, read in (
            ("claimgraph_db_pool_size", "Connections the pool keeps.", "size"),
            ("claimgraph_db_pool_checked_out", "Connections in use.", "checkedout"),
            ("claimgraph_db_pool_checked_in", "Open connections idle in the pool.", "checkedin"),
            ("claimgraph_db_pool_overflow", "Connections beyond the pool size.", "overflow"),
        ):
            if hasattr(pool, read):
                # QueuePool counts overflow from -size up; beyond the size it is positive.
                value = max(0, getattr(pool, read)())
                yield GaugeMetricFamily(name, doc, value=float(value))


def metrics_response(engine: AsyncEngine) -> Response:
    """The Prometheus exposition of this process (or of all workers, in multiprocess mode)."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    body = generate_latest(registry)
    pool = CollectorRegistry()
    pool.register(PoolCollector(engine))
    return Response(body + generate_latest(pool), media_type=CONTENT_TYPE_LATEST)
