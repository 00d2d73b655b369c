"""A live claimgraph server with the worked example loaded, shared by the docs tests."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.live import serve


@pytest.fixture(scope="package")
async def live_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """`claimgraph serve --demo` on a free port of 127.0.0.1 with a fresh SQLite file; its
    base URL. Started once for the docs tests, whatever backends the run covers."""
    tmp = tmp_path_factory.mktemp("live-server")
    async with serve(f"sqlite:///{tmp / 'demo.db'}", tmp / "server.log", "--demo") as server:
        yield server.url


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
