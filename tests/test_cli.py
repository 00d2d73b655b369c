"""The `claimgraph` command, run as a user runs it: a separate process on a real database."""

import json
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest

from app.demo.loader import demo_lines
from tests.live import run_cli, serve

pytestmark = pytest.mark.slow

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]


async def test_db_upgrade_then_current(new_database: NewDatabase) -> None:
    async with new_database() as url:
        code, out = await run_cli(url, "db", "current")
        assert code == 1
        assert "claimgraph db upgrade" in out
        code, out = await run_cli(url, "db", "upgrade")
        assert code == 0, out
        code, out = await run_cli(url, "db", "current")
        assert code == 0, out


async def test_demo_load_refuses_a_database_behind(new_database: NewDatabase) -> None:
    async with new_database() as url:
        assert (await run_cli(url, "db", "upgrade", "0001"))[0] == 0
        code, out = await run_cli(url, "demo", "load")
        assert code == 1
        assert "claimgraph db upgrade" in out


async def test_demo_load_is_idempotent(new_database: NewDatabase) -> None:
    async with new_database() as url:
        assert (await run_cli(url, "db", "upgrade"))[0] == 0
        code, first = await run_cli(url, "demo", "load")
        assert code == 0, first
        code, second = await run_cli(url, "demo", "load")
        assert code == 0, second
        rows = {
            cells[0]: cells[1:]
            for line in second.splitlines()
            if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) == 3
        }
        in_file = Counter(json.loads(line)["type"] for line in demo_lines() if line.strip())
        assert in_file["stance"] > 0
        for kind in ("actor", "source", "claim", "stance"):  # second load: nothing new
            assert rows[kind] == ["0", str(in_file[kind])], rows


async def test_serve_demo_answers_who_disputes(new_database: NewDatabase, tmp_path: Path) -> None:
    async with (
        new_database() as url,
        serve(url, tmp_path / "serve.log", "--demo") as server,
        httpx.AsyncClient(base_url=server.url, timeout=5) as http,
    ):
        claims = (await http.get("/v1/claims", params={"limit": 500})).json()["items"]
        deployment = next(
            c
            for c in claims
            if c["statement"].startswith("North Korean military personnel are deployed")
        )
        r = await http.get("/v1/stances", params={"claim_id": deployment["id"], "side": "dispute"})
        names = sorted(s["actor"]["name"] for s in r.json()["items"])
        assert len(names) == 2
        assert {s["label"] for s in r.json()["items"]} == {"denied"}
        docs = await http.get("/docs")
        assert docs.status_code == 200
