"""Timeouts on both sides of the service, against a live server over raw sockets.

Client side: a request head must arrive within CLAIMGRAPH_HEADER_TIMEOUT_SECONDS of the
connection opening (or of the previous response), and be no larger than
CLAIMGRAPH_MAX_HEADER_BYTES (431; 414 for a request line alone); a body must keep coming
(CLAIMGRAPH_BODY_TIMEOUT_SECONDS, then at least CLAIMGRAPH_BODY_MIN_BYTES_PER_SECOND) or it is
cut with a 408. Database side: a database that stops answering (a frozen network: a proxy
that forwards nothing but keeps every socket open) gives 503 with Retry-After within 10 s,
and the service recovers when it answers again. On SQLite, a writer held up by another's
lock gets its 503 after CLAIMGRAPH_STATEMENT_TIMEOUT_MS.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.auth import keys
from app.settings import Settings
from tests.conftest import fresh_database
from tests.live import CLI, UVICORN, Server, key_on, run_cli, running

pytestmark = pytest.mark.slow

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
MIN_RATE = 1000
LIMITS = {
    "CLAIMGRAPH_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
    "CLAIMGRAPH_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
    "CLAIMGRAPH_BODY_MIN_BYTES_PER_SECOND": str(MIN_RATE),
    "CLAIMGRAPH_LOG_LEVEL": "warning",
}
SLACK = 1.5  # how late a cut may come (a loaded two-core machine)
IDLE_PING = 5.0  # app.db.create_engine's ping_after_idle for GET requests' pool
LAUNCHES = {
    "claimgraph serve": [*CLI, "serve"],
    "uvicorn --http": [*UVICORN, "--http", "app.http.serving:GuardedHTTP"],
    "uvicorn": UVICORN,  # no protocol of ours: only what the app itself can enforce
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


async def connect(server: Server) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", server.port), 5)


async def read_reply(reader: asyncio.StreamReader, within: float = 5) -> Reply | None:
    """The next response on the connection, or None if it closed without one."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), within)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await asyncio.wait_for(reader.readexactly(length), within)
    return Reply(int(status_line.split()[1]), headers, body)


def status(reply: Reply | None) -> int | None:
    return None if reply is None else reply.status


async def until_closed(reader: asyncio.StreamReader, within: float) -> bytes:
    """Everything the server sends until it closes the connection (TimeoutError if it does
    not `within` seconds)."""
    received = b""
    async with asyncio.timeout(within):
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                received += chunk
    return received


async def send_slowly(writer: asyncio.StreamWriter, pieces: list[bytes], every: float) -> None:
    """Send the pieces one at a time, `every` seconds apart, until the server hangs up."""
    with contextlib.suppress(ConnectionError):
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(every)


async def send_all(writer: asyncio.StreamWriter, data: bytes) -> None:
    with contextlib.suppress(ConnectionError):
        for start in range(0, len(data), 65536):
            writer.write(data[start : start + 65536])
            await writer.drain()
            await asyncio.sleep(0)  # let the reply be read as it comes


def close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.transport.abort()


async def reply_to(server: Server, data: bytes, within: float = 10) -> Reply | None:
    """The reply to `data` on a connection of its own, read while `data` is still being sent
    (the server may answer before it has read everything); the connection is closed after."""
    reader, writer = await connect(server)
    sending = asyncio.create_task(send_all(writer, data))
    try:
        return await read_reply(reader, within=within)
    finally:
        sending.cancel()
        close(writer)


@pytest.fixture(scope="module", params=list(LAUNCHES), ids=list(LAUNCHES))
async def live(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Server, str, str]]:
    """A live server (launched each way) on a new database; it, its launch and a write key."""
    tmp = tmp_path_factory.mktemp("live")
    async with fresh_database(backend, tmp) as url:
        code, out = await run_cli(url, "db", "upgrade")
        assert code == 0, out
        key = await key_on(url, keys.Scope.write, "live")
        env = {**LIMITS, "DATABASE_URL": url}
        async with running(LAUNCHES[request.param], env, tmp / "server.log") as server:
            yield server, request.param, key


async def cut_while_dripping(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, lines: list[bytes], why: str
) -> bytes:
    """What the server sends before it closes the connection while `lines` drip in a quarter
    second apart; a failure saying `why` if it does not close it within the deadline."""
    dripping = asyncio.create_task(send_slowly(writer, lines, 0.25))
    try:
        return await until_closed(reader, HEADER_TIMEOUT + SLACK)
    except TimeoutError:
        pytest.fail(why)
    finally:
        dripping.cancel()


def needs_our_protocol(launch: str) -> None:
    if launch == "uvicorn":
        pytest.skip("a request head is read by the server before the app sees anything")


class TestRequestHead:
    """The head of each request has a deadline and a size cap."""

    @pytest.mark.parametrize("sent", ["nothing", "header lines"])
    async def test_an_unfinished_head_is_cut(
        self, live: tuple[Server, str, str], sent: str
    ) -> None:
        """An idle connection, and Slowloris (a header line every quarter second, never the
        blank line): 408 at the deadline, and the connection closed."""
        server, launch, _ = live
        needs_our_protocol(launch)
        lines = []
        if sent == "header lines":
            lines = [b"GET /healthz HTTP/1.1\r\nHost: t\r\n"]
            lines += [f"X-Line-{i}: {i}\r\n".encode() for i in range(200)]
        reader, writer = await connect(server)
        started = time.monotonic()
        try:
            why = f"still open after {HEADER_TIMEOUT + SLACK} s of {sent}"
            received = await cut_while_dripping(reader, writer, lines, why)
        finally:
            close(writer)
        assert time.monotonic() - started >= HEADER_TIMEOUT - 0.2
        assert received.startswith(b"HTTP/1.1 408"), received[:200]

    async def test_slow_head_after_a_first_request(self, live: tuple[Server, str, str]) -> None:
        """The deadline starts again after each response, for the next request's head."""
        server, launch, _ = live
        needs_our_protocol(launch)
        reader, writer = await connect(server)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            reply = await read_reply(reader)
            assert status(reply) == 200, reply
            lines = [b"GET /healthz HTTP/1.1\r\n", *[b"X-A: b\r\n"] * 100]
            received = await cut_while_dripping(
                reader, writer, lines, "the second request's head was never cut"
            )
            assert received.startswith(b"HTTP/1.1 408"), received[:200]
        finally:
            close(writer)

    async def test_each_request_gets_its_own_deadline(self, live: tuple[Server, str, str]) -> None:
        """Requests on one connection, spaced so that together they outlast the deadline."""
        server, _, _ = live
        reader, writer = await connect(server)
        try:
            for _ in range(3):
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                reply = await read_reply(reader)
                assert status(reply) == 200, reply
                await asyncio.sleep(HEADER_TIMEOUT * 0.7)
        finally:
            close(writer)

    async def test_pipelined_requests(self, live: tuple[Server, str, str]) -> None:
        server, _, key = live
        reader, writer = await connect(server)
        body = b'{"kind": "person", "name": "Pipelined"}' + b" " * 40_000
        post = (
            b"POST /v1/actors HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + post + post)
            statuses = [getattr(await read_reply(reader), "status", None) for _ in range(3)]
            assert statuses == [200, 201, 409], statuses
        finally:
            close(writer)

    async def test_headers_under_the_cap_are_fine(self, live: tuple[Server, str, str]) -> None:
        server, _, _ = live
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
            r = await http.get("/healthz", headers={f"x-fill-{i}": "v" * 100 for i in range(80)})
            assert r.status_code == 200

    @pytest.mark.parametrize(
        "fields",
        [
            pytest.param(b"X-Big: " + b"a" * (8 * 1024 * 1024) + b"\r\n", id="8 MB header"),
            pytest.param(
                b"".join(f"X-{i}: v\r\n".encode() for i in range(100_000)), id="100k lines"
            ),
            pytest.param(b"X-Big: " + b"a" * 20_000 + b"\r\n", id="20 kB header"),
        ],
    )
    async def test_too_large_is_431(self, live: tuple[Server, str, str], fields: bytes) -> None:
        server, _, _ = live
        reply = await reply_to(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + fields + b"\r\n")
        assert reply is not None, "closed without a response"
        assert reply.status == 431, reply
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.headers.get("connection") == "close"
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
            assert (await http.get("/healthz")).status_code == 200  # still serving

    async def test_long_request_line_is_414(self, live: tuple[Server, str, str]) -> None:
        server, launch, _ = live
        needs_our_protocol(launch)
        line = b"GET /healthz?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
        reply = await reply_to(server, line)
        assert status(reply) == 414, reply


class TestRequestBody:
    """A body that stops or trickles is cut with a 408; a steady one is read in full."""

    async def test_trickle_is_cut(self, live: tuple[Server, str, str]) -> None:
        server, _, key = live
        reader, writer = await connect(server)
        started = time.monotonic()
        writer.write(
            b"POST /v1/actors HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {key}\r\nContent-Length: 1000\r\n\r\n".encode()
        )
        dripping = asyncio.create_task(send_slowly(writer, [b" "] * 1000, 0.2))
        try:
            reply = await read_reply(reader, within=BODY_TIMEOUT + SLACK + 1)
        except TimeoutError:
            pytest.fail(f"a body sent at 5 bytes/s was not cut in {BODY_TIMEOUT + SLACK} s")
        finally:
            dripping.cancel()
            close(writer)
        assert status(reply) == 408, reply
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.headers.get("connection") == "close"
        assert b"request-timeout" in reply.body
        assert time.monotonic() - started < BODY_TIMEOUT + SLACK

    async def test_stalled_body_is_cut(self, live: tuple[Server, str, str]) -> None:
        server, _, key = live
        reader, writer = await connect(server)
        writer.write(
            b"POST /v1/actors HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {key}\r\nContent-Length: 100\r\n\r\n".encode()
            + b'{"kind": '
        )
        try:
            reply = await read_reply(reader, within=BODY_TIMEOUT + SLACK)
        except TimeoutError:
            pytest.fail("a body that stopped was never cut")
        finally:
            close(writer)
        assert status(reply) == 408, reply

    async def test_steady_body_is_read(self, live: tuple[Server, str, str]) -> None:
        """40 kB at about 20 kB/s: slower than the deadline alone allows, faster than the
        minimum rate."""
        server, _, key = live
        reader, writer = await connect(server)
        body = b'{"kind": "person", "name": "Steady"' + b" " * 40_000 + b"}"
        writer.write(
            b"POST /v1/actors HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        pieces = [body[i : i + 2000] for i in range(0, len(body), 2000)]
        sending = asyncio.create_task(send_slowly(writer, pieces, 0.1))
        try:
            reply = await read_reply(reader, within=15)
        finally:
            sending.cancel()
            close(writer)
        assert status(reply) == 201, reply


async def test_uvicorn_takes_the_protocol_from_its_environment(
    backend: str, tmp_path: Path
) -> None:
    """The Dockerfile sets UVICORN_HTTP, so `uvicorn app.main:create_app` in the image bounds
    request heads as `claimgraph serve` does."""
    async with fresh_database(backend, tmp_path) as url:
        assert (await run_cli(url, "db", "upgrade"))[0] == 0
        env = {**LIMITS, "DATABASE_URL": url, "UVICORN_HTTP": "app.http.serving:GuardedHTTP"}
        async with running(UVICORN, env, tmp_path / "server.log") as server:
            reader, writer = await connect(server)
            try:
                received = await until_closed(reader, HEADER_TIMEOUT + SLACK)
            finally:
                close(writer)
            assert received.startswith(b"HTTP/1.1 408"), received[:200]


def test_defaults_are_at_most_30_s() -> None:
    settings = Settings(database_url="sqlite://")
    assert 0 < settings.header_timeout_seconds <= 30
    assert 0 < settings.body_timeout_seconds <= 30
    assert settings.body_min_bytes_per_second > 0
    assert 0 < settings.max_header_bytes <= 64 * 1024
