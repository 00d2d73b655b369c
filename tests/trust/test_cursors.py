"""Cursors: only a cursor the service issued, for this very list, is read; anything else is a
422 naming the parameter, never a server error."""

import base64
import json
import uuid
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import field_errors, problem

# Every JSON value, including numbers past int64 and floats near the limits.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def encoded(value: Any) -> str:
    """A value dressed as the old unsigned cursors were: base64 of its JSON."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


# Forged cursors: JSON as the unsigned cursors carried it, with or without a made-up
# signature; and arbitrary bytes and text.
FORGED = st.one_of(
    JSON.map(encoded),
    st.tuples(JSON.map(encoded), st.binary(min_size=1, max_size=24)).map(
        lambda pair: pair[0] + "." + base64.urlsafe_b64encode(pair[1]).decode().rstrip("=")
    ),
    st.binary(min_size=1, max_size=120).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    st.text(min_size=1, max_size=120),
)


def paginated_paths(app: FastAPI, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every GET of the API that pages (by `cursor`, or `since` for the change feed), with
    its path parameters filled from `ids`; and the parameter's name."""
    found = []
    for path, item in app.openapi()["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        for name in ("cursor", "since"):
            if name in names:
                filled = path
                for param, value in ids.items():
                    filled = filled.replace("{" + param + "}", value)
                found.append((filled, name))
    return found


@pytest.fixture
async def lists(
    app: FastAPI, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> list[tuple[str, str]]:
    some_stance = (await client.get("/v1/stances", params={"limit": 1})).json()["items"][0]
    ids = {
        "claim_id": str(some_stance["claim_id"]),
        "actor_id": str(some_stance["actor_id"]),
        "source_id": str(some_stance["source_id"]),
        "record_id": str(some_stance["claim_id"]),
        "key_id": "x",
    }
    found = paginated_paths(app, ids)
    assert len(found) >= 20  # every list, the change feed and the history lists
    assert all("{" not in path for path, _ in found)
    return found


async def test_the_cursors_of_the_old_form_are_refused_everywhere(
    client: httpx.AsyncClient, lists: list[tuple[str, str]]
) -> None:
    """The reported inputs: `[1]`, `[1e308]` and an integer past int64, on every list."""
    for path, name in lists:
        for value in ([1], [1e308], [2**70], ["not-a-uuid"], [None]):
            r = await client.get(path, params={name: encoded(value)})
            assert name in field_errors(problem(r, 422)), (path, value)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cursor=FORGED, pick=st.integers(min_value=0))
async def test_no_forged_cursor_is_read(
    client: httpx.AsyncClient, lists: list[tuple[str, str]], cursor: str, pick: int
) -> None:
    path, name = lists[pick % len(lists)]
    r = await client.get(path, params={name: cursor})
    assert r.status_code in (414, 422), (path, cursor, r.text)
    if r.status_code == 422:
        assert name in field_errors(problem(r, 422))


async def test_a_cursor_works_only_on_its_own_list(
    client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> None:
    stances = (await client.get("/v1/stances", params={"limit": 2})).json()
    cursor = stances["next_cursor"]
    assert cursor is not None
    following = await client.get("/v1/stances", params={"limit": 2, "cursor": cursor})
    assert following.status_code == 200
    assert following.json()["items"][0]["id"] not in {s["id"] for s in stances["items"]}
    assert "cursor" in field_errors(
        problem(await client.get("/v1/claims", params={"cursor": cursor}), 422)
    )
    # The same list with other filters is another list.
    other = await client.get("/v1/stances", params={"cursor": cursor, "side": "dispute"})
    assert "cursor" in field_errors(problem(other, 422))


async def test_a_tampered_cursor_is_refused(
    client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> None:
    cursor = (await client.get("/v1/claims", params={"limit": 1})).json()["next_cursor"]
    payload, _, mac = cursor.partition(".")
    key = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    moved = encoded([str(uuid.UUID(int=0))] * len(key)) + "." + mac
    assert "cursor" in field_errors(
        problem(await client.get("/v1/claims", params={"cursor": moved}), 422)
    )


async def test_the_change_feed_refuses_a_forged_position(
    client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
) -> None:
    first = (await client.get("/v1/changes", params={"limit": 5})).json()
    assert (
        await client.get("/v1/changes", params={"since": first["next_cursor"]})
    ).status_code == 200
    r = await client.get("/v1/changes", params={"since": encoded([0, 0])})
    assert "since" in field_errors(problem(r, 422))
