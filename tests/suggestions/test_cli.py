"""`claimgraph suggest`, run as a user runs it: a separate process on a real database."""

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest

from tests.live import run_cli, serve

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]
TEXT = (
    "Kremlin spokesman Dmitry Peskov said on Monday that no Russian troops were in Belarus.\n"
    "Officials in Minsk confirmed that Russian troops were in Belarus for joint drills.\n"
)

pytestmark = pytest.mark.slow


@pytest.fixture
async def upgraded(new_database: NewDatabase) -> AsyncIterator[str]:
    """A new database migrated by `claimgraph db upgrade`; its URL."""
    async with new_database() as url:
        assert (await run_cli(url, "db", "upgrade"))[0] == 0
        yield url


@pytest.fixture
def article(tmp_path: Path) -> Path:
    """A short article on file, for `claimgraph suggest FILE`."""
    text = tmp_path / "belarus.txt"
    text.write_text(TEXT)
    return text


def _stances(out: str) -> tuple[int, int]:
    """(created, already present) in the `accepted` table's stance row."""
    row = next(line for line in out.splitlines() if "│ stance" in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    return int(cells[1]), int(cells[2])


async def test_suggest_shows_a_sources_suggestions(upgraded: str) -> None:
    assert (await run_cli(upgraded, "demo", "load"))[0] == 0
    code, out = await run_cli(upgraded, "export", "--format", "ndjson")
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    source = next(r for r in records if r["type"] == "source")
    code, out = await run_cli(upgraded, "suggest", source["id"])
    assert code == 0, out
    assert "Kremlin" in out
    assert "highly_likely" in out


async def test_accept_creates_missing_records_once_all_or_nothing(
    upgraded: str, article: Path
) -> None:
    code, out = await run_cli(upgraded, "suggest", str(article), "--accept")
    assert code == 1, out
    assert "create-missing" in out or "create_missing" in out
    code, out = await run_cli(upgraded, "export", "--format", "ndjson")
    written = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert written == []  # refused: nothing was written
    code, out = await run_cli(upgraded, "suggest", str(article), "--accept", "--create-missing")
    assert code == 0, out
    created, present = _stances(out)
    assert created >= 2
    assert present == 0
    code, out = await run_cli(upgraded, "suggest", str(article), "--accept", "--create-missing")
    assert code == 0, out
    assert _stances(out) == (0, created)
    code, out = await run_cli(upgraded, "export", "--format", "ndjson")
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    labels = sorted(r["label"] for r in records if r["type"] == "stance")
    assert "denied" in labels
    assert "confirmed" in labels


async def test_json_output_is_the_api_answer(upgraded: str, article: Path) -> None:
    code, out = await run_cli(upgraded, "suggest", str(article), "--json")
    assert code == 0, out
    answer = json.loads(out)
    assert {i["label"] for i in answer["items"]} >= {"denied", "confirmed"}


async def test_serve_demo_suggests_the_articles_denials_assertions_and_highly_likely(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    """The issue's "done means", as written: `claimgraph serve --demo`, then
    `POST /v1/suggestions {"source_id": <the article>}`."""
    async with (
        new_database() as url,
        serve(url, tmp_path / "serve.log", "--demo") as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as http,
    ):
        (source,) = (await http.get("/v1/sources")).json()["items"]
        text = (await http.get(f"/v1/sources/{source['id']}/text")).text
        r = await http.post("/v1/suggestions", json={"source_id": source["id"]})
        assert r.status_code == 200, r.text
        items = r.json()["items"]
    found = {(i["speaker"]["name"], i["label"]) for i in items}
    assert {
        ("Kremlin", "denied"),
        ("North Korean officials", "denied"),
        ("Officials in Kyiv", "asserted"),
        ("Officials in Seoul", "asserted"),
        ("Kim Yong-hyun", "highly_likely"),
    } <= found
    for item in items:
        span = item["quote_span"]
        assert text[span["start"] : span["end"]] == item["quote"]
