"""A live claimgraph server with the worked example loaded, shared by the docs tests."""

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.test_cli import CLI, free_port

READY_TIMEOUT = 60.0


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


async def _wait_ready(base: str, proc: asyncio.subprocess.Process, log: Path) -> None:
    deadline = asyncio.get_running_loop().time() + READY_TIMEOUT
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        while asyncio.get_running_loop().time() < deadline:
            if proc.returncode is not None:
                pytest.fail(f"claimgraph serve exited ({proc.returncode}):\n{_tail(log)}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"claimgraph serve not ready after {READY_TIMEOUT} s:\n{_tail(log)}")


@pytest.fixture(scope="package")
async def live_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """`claimgraph serve --demo` on a free port of 127.0.0.1 with a fresh SQLite file; its
    base URL. Started once for the docs tests, whatever backends the run covers."""
    tmp = tmp_path_factory.mktemp("live-server")
    port = free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            "serve",
            "--demo",
            "--port",
            str(port),
            env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(base, proc, log_path)
        yield base
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def deployment_claim_id(http: httpx.AsyncClient) -> str:
    """The id of the worked example's central claim (found as a client would, by search)."""
    r = await http.get("/v1/claims", params={"q": "personnel are deployed"})
    assert r.status_code == 200, r.text
    ids = [
        c["id"]
        for c in r.json()["items"]
        if c["statement"].startswith("North Korean military personnel are deployed")
    ]
    assert len(ids) == 1, r.text
    return str(ids[0])
