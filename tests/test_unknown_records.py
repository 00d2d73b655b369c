"""What every record (actor, source, claim, stance) answers alike about an id it does not
hold: 404 with the record's own problem type, whether read, changed or deleted; 422 naming the
path parameter for an id that is no UUID."""

import uuid

import httpx
import pytest

from tests.conftest import field_errors, problem

# A change each kind of record would accept, so that only the id is wrong.
CHANGES = {
    "actor": {"name": "X"},
    "source": {"title": "X"},
    "claim": {"tags": ["x"]},
    "stance": {"label": "denied"},
}


@pytest.mark.parametrize("kind", CHANGES)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_an_unknown_id_is_404(client: httpx.AsyncClient, kind: str, method: str) -> None:
    body = CHANGES[kind] if method == "PATCH" else None
    r = await client.request(method, f"/v1/{kind}s/{uuid.uuid4()}", json=body)
    assert problem(r, 404)["type"] == f"/problems/unknown-{kind}"


@pytest.mark.parametrize("kind", CHANGES)
@pytest.mark.parametrize("malformed", ["not-a-uuid", "12345"])
async def test_a_malformed_id_is_422(client: httpx.AsyncClient, kind: str, malformed: str) -> None:
    r = await client.get(f"/v1/{kind}s/{malformed}")
    assert f"{kind}_id" in field_errors(problem(r, 422))
