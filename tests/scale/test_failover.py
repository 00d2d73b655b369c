"""The failover drill (tests/scale/drill.py) with synchronous replication: the primary is
lost under write load, the standby promoted and PgBouncer re-pointed; no acknowledged write
is lost, writes are acknowledged again within seconds, and each write whose outcome was
unknown is settled by its retry, once."""

import pytest

from tests.scale.conftest import need_cluster
from tests.scale.drill import DrillReport, run_drill

pytestmark = pytest.mark.slow

MAX_UNAVAILABLE_SECONDS = 10.0


@pytest.fixture(scope="module")
async def drilled(backend: str, tmp_path_factory: pytest.TempPathFactory) -> DrillReport:
    need_cluster(backend)
    report = await run_drill(
        synchronous=True, workdir=tmp_path_factory.mktemp("drill"), before=2.0, after=1.0
    )
    print(f"\n[failover] {report}")
    return report


def test_no_acknowledged_write_is_lost(drilled: DrillReport) -> None:
    assert not drilled.unexpected, drilled.unexpected[:5]
    assert drilled.acknowledged > 0
    assert drilled.unknown > 0, "the failure met no write in flight"
    assert drilled.lost == 0


def test_writes_are_acknowledged_again_within_seconds(drilled: DrillReport) -> None:
    assert drilled.unavailable_s < MAX_UNAVAILABLE_SECONDS


def test_each_unknown_write_is_settled_by_its_retry_once(drilled: DrillReport) -> None:
    """A write that committed while its connection was lost is replayed, not made again; one
    that did not commit is made by its retry, at once (no key left "in progress")."""
    assert drilled.retried == drilled.unknown
    assert drilled.in_progress == 0
    assert drilled.duplicates == 0
