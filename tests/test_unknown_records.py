"""What every record (actor, source, claim, stance) answers alike about an id it does not
hold: 404 with the record's own problem type, whether read, changed or deleted; 422 naming the
path parameter for an id that is no UUID."""

import uuid

import httpx
import pytest

from tests.conftest import field_errors, problem
from tests.factories import CHANGES


@pytest.mark.parametrize("collection", CHANGES)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_an_unknown_id_is_404(
    client: httpx.AsyncClient, collection: str, method: str
) -> None:
    body = CHANGES[collection] if method == "PATCH" else None  # a change it would accept
    r = await client.request(method, f"/v1/{collection}/{uuid.uuid4()}", json=body)
    assert problem(r, 404)["type"] == f"/problems/unknown-{collection.removesuffix('s')}"


@pytest.mark.parametrize("collection", CHANGES)
@pytest.mark.parametrize("malformed", ["not-a-uuid", "12345"])
async def test_a_malformed_id_is_422(
    client: httpx.AsyncClient, collection: str, malformed: str
) -> None:
    r = await client.get(f"/v1/{collection}/{malformed}")
    assert f"{collection.removesuffix('s')}_id" in field_errors(problem(r, 422))
