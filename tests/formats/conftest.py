"""Fixtures for the format tests: records only, no database."""

from typing import Any

import pytest

from tests.formats.records import all_records, demo_records


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """The worked example plus the synthetic fact-check set, in the export shape."""
    return all_records()


@pytest.fixture(scope="module")
def demo() -> list[dict[str, Any]]:
    """The worked example alone, in the export shape."""
    return demo_records()
