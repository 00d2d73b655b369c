"""`claimgraph import` and `claimgraph export`, run as a user runs them."""

import json
from pathlib import Path

import pytest

from app import migrate
from app.db.engines import create_engine
from app.demo.loader import DEMO_FILE
from tests.live import run_cli
from tests.transfer.helpers import NewDatabase

pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo" / DEMO_FILE


async def migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def counts(output: str) -> dict[str, list[str]]:
    """The summary table's rows: record type -> [created, updated, unchanged]."""
    return {
        cells[0]: cells[1:]
        for line in output.splitlines()
        if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) == 4
    }


async def test_import_then_export_then_import_again(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    async with new_database() as url:
        await migrated(url)
        code, out = await run_cli(url, "import", str(DEMO))
        assert code == 0, out
        assert counts(out)["stance"] == ["44", "0", "0"]
        exported = tmp_path / "out.ndjson"
        code, out = await run_cli(url, "export", "-o", str(exported))
        assert code == 0, out
        records = [json.loads(line) for line in exported.read_text().splitlines()]
        assert len(records) == len([line for line in DEMO.read_text().splitlines() if line])
        assert all(r["key"] == r["id"] for r in records)
        code, out = await run_cli(url, "import", str(exported))
        assert code == 0, out
        assert counts(out)["stance"] == ["0", "0", "44"]
        code, out = await run_cli(url, "export", "--format", "stix", "-o", str(tmp_path / "b"))
        assert code == 0, out
        assert json.loads((tmp_path / "b").read_text())["type"] == "bundle"


async def test_a_bad_file_is_refused_with_its_lines(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text(
        '{"type": "actor", "key": "a", "kind": "person", "name": "A"}\n'
        '{"type": "stance", "key": "s", "claim": "nope", "actor": "a", "source": "x", '
        '"label": "denied"}\n'
    )
    async with new_database() as url:
        await migrated(url)
        code, out = await run_cli(url, "import", str(bad))
        assert code == 1
        assert "no earlier claim has key 'nope'" in out
        code, out = await run_cli(url, "import", "--dry-run", str(DEMO))
        assert code == 0, out
        assert "dry run" in out
        code, out = await run_cli(url, "export")
        assert code == 0
        assert out == ""
