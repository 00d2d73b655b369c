"""The `claimgraph` command in its own process: a command run to its end, a live server, and a
TCP proxy to PostgreSQL that can be cut (a restart: every connection reset, new ones refused)
or paused (a frozen network: sockets stay open, no byte goes through)."""

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from app import migrate
from app.auth import keys
from app.db.engines import create_engine, create_sessionmaker
from tests.conftest import new_key

CLI = [sys.executable, "-m", "app.cli.main"]
UVICORN = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]


async def key_on(
    url: str, scope: keys.Scope = keys.Scope.write, name: str = "live", *, upgrade: bool = False
) -> str:
    """A new key of `scope` made directly in the database at `url` (migrated to head first
    with `upgrade`), for a server in another process."""
    engine = create_engine(url)
    try:
        if upgrade:
            await migrate.upgrade(engine)
        return await new_key(create_sessionmaker(engine), scope, name)
    finally:
        await engine.dispose()


async def run_cli(url: str, *args: str) -> tuple[int, str]:
    """Run `claimgraph ARGS` against the database at `url`; its exit code and output."""
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env={**os.environ, "DATABASE_URL": url, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Relay:
    """A TCP relay from a port of its own to a target that can be cut: every connection
    through it is reset at once, new ones are refused until it is started again. How a chunk
    goes through is `_carry`'s: straight on here."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.transports: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self.server is not None:
            self.server.close()  # new connections are refused
            self.server = None
        for writer in list(self.transports):
            writer.transport.abort()  # open ones are reset, mid-query or idle
        self.transports.clear()
        for task in list(self.tasks):
            task.cancel()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(*self.target)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.transports.add(writer)
        try:
            up_reader, up_writer = await self._connect()
        except (OSError, asyncio.CancelledError):
            writer.transport.abort()
            self.transports.discard(writer)
            return
        self.transports.add(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink, (writer, up_writer)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        """Carry one direction until either side closes, then reset both."""
        try:
            await self._carry(source, sink)
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            for w in pair:
                w.transport.abort()
                self.transports.discard(w)

    async def _carry(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()


class Proxy(Relay):
    """A TCP proxy to PostgreSQL that can be cut (every connection closed, new ones refused),
    paused (nothing forwarded either way, every socket kept open) and restored."""

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(target_host, target_port)
        self.flowing = asyncio.Event()
        self.flowing.set()

    def pause(self) -> None:
        """Freeze the network: bytes already sent wait, new connections get no answer."""
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    async def cut(self) -> None:
        self.flowing.set()
        await super().cut()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        await self.flowing.wait()  # a frozen network answers no handshake
        return await super()._connect()

    async def _carry(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            await self.flowing.wait()
            sink.write(data)
            await sink.drain()


async def proxied(url: str) -> tuple[Proxy, str]:
    """A started proxy to the PostgreSQL server of `url`, and `url` through the proxy."""
    target = make_url(url)
    proxy = Proxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    return proxy, target.set(port=proxy.port).render_as_string(hide_password=False)


@dataclass
class Server:
    """A claimgraph server process and where it answers."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    async def wait_until_up(self, seconds: float = 60) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            for _ in range(int(seconds * 10)):
                if self.process.returncode is not None:
                    pytest.fail(f"the server exited: {self.tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        pytest.fail(f"the server did not come up: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL to the server and every process it started (its workers), as when the
        machine or container dies: no shutdown, no goodbye to any connection."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    async def stop(self, *, kill: bool = False) -> None:
        if self.process.returncode is None:
            if kill:
                self.kill()
            else:
                self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.kill()
            await self.process.wait()
        if not kill:
            self.kill()  # any worker left behind


async def start_server(
    command: Sequence[str], env: dict[str, str], log: Path, port: int | None = None
) -> Server:
    """Start `command` (CLI or UVICORN plus arguments) on `port` (a free one by default)."""
    port = port or free_port()
    log.parent.mkdir(parents=True, exist_ok=True)  # a shared /tmp gets cleaned under long runs
    with log.open("ab") as log_file:
        process = await asyncio.create_subprocess_exec(
            *command,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            env={**os.environ, **env},
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # its own process group, to kill with its workers
        )
    return Server(process, port, log)


@asynccontextmanager
async def running(
    command: Sequence[str],
    env: dict[str, str],
    log: Path,
    *,
    port: int | None = None,
    kill: bool = False,
) -> AsyncIterator[Server]:
    """A started server (on `port`, a free one by default), up and ready; stopped afterwards
    (with SIGKILL if `kill`)."""
    server = await start_server(command, env, log, port)
    try:
        await server.wait_until_up()
        yield server
    finally:
        await server.stop(kill=kill)


def serve(url: str, log: Path, *options: str) -> AbstractAsyncContextManager[Server]:
    """`claimgraph serve OPTIONS` on the database at `url`, up and ready (after migrating and
    loading the worked example with `--demo`); stopped afterwards. Its output goes to `log`."""
    return running([*CLI, "serve", *options], {"DATABASE_URL": url}, log)
