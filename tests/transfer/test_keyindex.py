"""The import's key index: where a ref leads, found again after the decoded targets at hand
have been dropped (then it is read back from its file)."""

from datetime import UTC, datetime

import pytest

from app.ingest import keyindex
from app.ingest.keyindex import KeyIndex, Target


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> KeyIndex:
    monkeypatch.setattr(keyindex, "HOT", 4)  # most lookups go to the file
    return KeyIndex()


def test_targets_come_back_as_given_from_the_file(index: KeyIndex) -> None:
    given = {
        f"k{i}": Target(
            type=("actor", "source", "claim")[i % 3],
            id=f"{i:032x}",
            line=i + 1,
            created=i % 2 == 0,
            has_text=i % 5 == 0,
            # before 1970 too (a negative number of microseconds), and none
            published_at=None if i % 4 == 0 else datetime(1900 + i, 3, 1, 12, 30, 1, 7, UTC),
            failed=i % 7 == 0,
        )
        for i in range(100)
    }
    index.add_targets(list(given.items())[:50])
    index.add_targets(list(given.items())[50:])
    found = index.load([*given, "missing", "k3", "k3"])
    assert found == given
    # Found again once at hand, and again from the file.
    assert index.load(["k99", "k0"]) == {"k99": given["k99"], "k0": given["k0"]}
    index.close()


def test_a_key_not_given_leads_nowhere(index: KeyIndex) -> None:
    index.add_targets([("a", Target(type="actor", id="1" * 32, line=1))])
    assert index.load(["b", "a\x1f", ""]) == {}
    index.close()
