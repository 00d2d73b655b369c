"""The service on a scale-test cluster: its schema, a key, and live uvicorn workers (for the
scale tests and `bench/scale_out.py`)."""

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from app.auth import keys
from tests.live import key_on
from tests.scale.cluster import ClusterError, free_port
from tests.scale.processes import log_tail, stop_group


async def prepare(url: str) -> str:
    """Migrate the database at `url` to head; a new `write` key for it."""
    return await key_on(url, keys.Scope.write, "scale", upgrade=True)


class Service:
    """`claimgraph serve --workers N` on a free port, with `env` on top of this process's
    environment; stopped (the whole process group) by `stop()` or on leaving the block."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, log: Path) -> None:
        self.env = {
            **os.environ,
            "CLAIMGRAPH_LOG_LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.workers, self.log = workers, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Service":
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.cli.main",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ClusterError(f"the service exited:\n{self.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise ClusterError(f"the service did not come up in {timeout} s:\n{self.log_tail()}")

    def stop(self, grace: float = 20) -> None:
        """SIGTERM (uvicorn finishes the requests in flight), SIGKILL after `grace` s."""
        stop_group(self.process, grace)

    def log_tail(self, size: int = 4000) -> str:
        return log_tail(self.log, size)


async def wait_until(what: str, check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    """Poll the coroutine function `check` until it returns true (AssertionError after
    `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        await asyncio.sleep(0.05)
