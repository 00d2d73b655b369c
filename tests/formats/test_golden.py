"""Golden files: each format's output for the worked example plus the synthetic fact-check set.

A change to a mapping shows up here as a diff to review. After an intended change, rewrite the
files with `CLAIMGRAPH_UPDATE_GOLDEN=1 pytest tests/formats/test_golden.py` and commit them.
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from app.formats import FORMATS
from tests.formats.records import render

EXPECTED = Path(__file__).with_name("expected")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_output_matches_the_golden_file(name: str, records: list[dict[str, Any]]) -> None:
    path = EXPECTED / f"{name}.json"
    output = render(name, records)
    if os.environ.get("CLAIMGRAPH_UPDATE_GOLDEN"):
        text = json.dumps(output, indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, "utf-8")
    assert path.exists(), f"no golden file {path}: run with CLAIMGRAPH_UPDATE_GOLDEN=1"
    assert output == json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_output_is_chunked_json_whatever_the_size(name: str) -> None:
    """A large export streams in many chunks that join into one valid document."""
    from tests.formats.records import exported

    keyed: list[dict[str, Any]] = [
        {"type": "actor", "key": f"actor-{i}", "kind": "person", "name": f"Actor {i}"}
        for i in range(50)
    ]
    keyed += [
        {"type": "source", "key": f"source-{i}", "kind": "news_article", "title": f"S{i}"}
        for i in range(20)
    ]
    keyed += [{"type": "claim", "key": f"claim-{i}", "statement": f"C{i}"} for i in range(200)]
    keyed += [
        {
            "type": "stance",
            "key": f"stance-{i}",
            "claim": f"claim-{i % 200}",
            "actor": f"actor-{i % 47}",
            "source": f"source-{i % 19}",
            "label": ["confirmed", "denied", "reported", "likely"][i % 4],
            "quote": "x" * 40,
            "stated_at": "2024-10-10T00:00:00Z",
        }
        for i in range(4000)
    ]
    chunks = list(FORMATS[name].render(iter(exported(keyed))))
    assert len(chunks) > 5
    assert all(0 < len(chunk) < 2 * 64 * 1024 for chunk in chunks)
    json.loads(b"".join(chunks))
