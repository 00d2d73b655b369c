"""The failover drill (tests/scale/drill.py) with synchronous replication: the primary is
lost under write load, the standby promoted and PgBouncer re-pointed; no acknowledged write
is lost, none is written twice, and writes are acknowledged again within seconds."""

from pathlib import Path

import pytest

from tests.scale.conftest import need_cluster
from tests.scale.drill import run_drill

pytestmark = pytest.mark.slow

MAX_UNAVAILABLE_SECONDS = 10.0


async def test_a_failover_with_synchronous_replication_loses_nothing(
    backend: str, tmp_path: Path
) -> None:
    need_cluster(backend)
    report = await run_drill(synchronous=True, workdir=tmp_path, before=2.0, after=1.0)
    print(f"\n[failover] {report}")
    assert not report.unexpected, report.unexpected[:5]
    assert report.acknowledged > 0
    assert report.unknown > 0, "the failure met no write in flight"
    assert report.lost == 0
    assert report.duplicates == 0
    assert report.unavailable_s < MAX_UNAVAILABLE_SECONDS
