"""API keys and scopes: who may call, who may write, who may manage keys, and that every write
names the key that made it."""

import asyncio
import hashlib
import shlex
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import JSON, String, Text, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import Base
from tests.conftest import client_for, problem
from tests.factories import make_actor, make_claim, make_source, make_stance
from tests.live import run_cli
from tests.trust.conftest import MakeKey, app_with, prefix_of, rows


def assert_unauthorized(response: httpx.Response) -> None:
    problem(response, 401)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer "), challenge
    assert 'realm="claimgraph"' in challenge


class TestUnauthenticated:
    """401 with a Bearer challenge for a missing, malformed, unknown, expired or revoked key."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/v1/actors"),
            ("PATCH", f"/v1/actors/{uuid.UUID(int=1)}"),
            ("DELETE", f"/v1/claims/{uuid.UUID(int=1)}"),
            ("GET", "/v1/keys"),
            ("POST", "/v1/keys"),
        ],
    )
    async def test_missing_key(self, anonymous: httpx.AsyncClient, method: str, path: str) -> None:
        assert_unauthorized(await anonymous.request(method, path, json={}))

    @pytest.mark.parametrize(
        "authorization",
        [
            "Bearer nonsense",
            "Bearer cg_000000000000_" + "x" * 43,  # well formed, unknown
            "Bearer cg_",
            "Basic dXNlcjpwYXNz",
            "Bearer " + "a" * 5000,
        ],
    )
    async def test_invalid_key(
        self, app: FastAPI, client: httpx.AsyncClient, authorization: str
    ) -> None:
        async with client_for(app, Authorization=authorization) as http:
            r = await http.post("/v1/actors", json={"kind": "person", "name": "X"})
        assert_unauthorized(r)
        if not authorization.startswith("Basic"):  # (not a bearer credential: as if missing)
            assert 'error="invalid_token"' in r.headers["www-authenticate"]

    async def test_right_prefix_wrong_secret(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        key = await make_key("admin")
        forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
        async with client_for(app, forged) as http:
            assert_unauthorized(await http.get("/v1/keys"))

    async def test_expired_key(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        key = await make_key("write", expires_in=timedelta(seconds=-1))
        async with client_for(app, key) as http:
            assert_unauthorized(await http.post("/v1/actors", json={"kind": "person", "name": "E"}))
        assert (await client.get("/v1/actors")).json()["items"] == []

    async def test_key_that_expires_stops_working(
        self, app: FastAPI, client: httpx.AsyncClient, engine: AsyncEngine, make_key: MakeKey
    ) -> None:
        key = await make_key("write", expires_in=timedelta(days=1))
        async with client_for(app, key) as http:
            assert (
                await http.post("/v1/actors", json={"kind": "person", "name": "A"})
            ).status_code == 201
            async with engine.begin() as conn:
                await conn.execute(
                    text("UPDATE api_keys SET expires_at = :t WHERE prefix = :p"),
                    {"t": datetime.now(UTC) - timedelta(seconds=1), "p": prefix_of(key)},
                )
            assert_unauthorized(await http.post("/v1/actors", json={"kind": "person", "name": "B"}))

    async def test_revoked_key(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        key = await make_key("write")
        async with client_for(app, key) as http:
            assert (
                await http.post("/v1/actors", json={"kind": "person", "name": "A"})
            ).status_code == 201
            revoked = await client.delete(f"/v1/keys/{prefix_of(key)}")
            assert revoked.status_code == 200, revoked.text
            assert revoked.json()["revoked_at"] is not None
            assert_unauthorized(await http.post("/v1/actors", json={"kind": "person", "name": "B"}))
        names = [a["name"] for a in (await client.get("/v1/actors")).json()["items"]]
        assert names == ["A"]


class TestScopes:
    """403 for a key whose scope is too small; nothing is written."""

    async def test_read_key_cannot_write(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        actor = await make_actor(client)
        key = await make_key("read")
        async with client_for(app, key) as http:
            assert (await http.get(f"/v1/actors/{actor['id']}")).status_code == 200
            for method, path, body in [
                ("POST", "/v1/actors", {"kind": "person", "name": "R"}),
                ("PATCH", f"/v1/actors/{actor['id']}", {"name": "Renamed"}),
                ("DELETE", f"/v1/actors/{actor['id']}", None),
                ("POST", "/v1/claims", {"statement": "A read key wrote this"}),
            ]:
                r = await http.request(method, path, json=body)
                body_ = problem(r, 403)
                assert body_["type"] == "/problems/insufficient-scope"
                assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
        after = (await client.get(f"/v1/actors/{actor['id']}")).json()
        assert after["name"] == actor["name"]
        assert after["version"] == actor["version"]
        assert len((await client.get("/v1/actors")).json()["items"]) == 1

    async def test_write_key_writes(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        async with client_for(app, await make_key("write")) as http:
            r = await http.post("/v1/actors", json={"kind": "person", "name": "W"})
            assert r.status_code == 201, r.text

    async def test_write_key_cannot_manage_keys(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        """BOLA: a write key can neither see, make nor revoke keys (its own or others')."""
        other = await make_key("read")
        mine = await make_key("write")
        async with client_for(app, mine) as http:
            for method, path, body in [
                ("GET", "/v1/keys", None),
                ("POST", "/v1/keys", {"name": "escalate", "scope": "admin"}),
                ("DELETE", f"/v1/keys/{prefix_of(other)}", None),
                ("DELETE", f"/v1/keys/{prefix_of(mine)}", None),
            ]:
                problem(await http.request(method, path, json=body), 403)
        listed = {
            k["prefix"]: k
            for k in (await client.get("/v1/keys", params={"limit": 500})).json()["items"]
        }
        assert listed[prefix_of(other)]["revoked_at"] is None
        assert listed[prefix_of(mine)]["revoked_at"] is None
        assert all(k["name"] != "escalate" for k in listed.values())

    async def test_read_key_cannot_manage_keys(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        async with client_for(app, await make_key("read")) as http:
            problem(await http.get("/v1/keys"), 403)

    async def test_admin_key_manages_keys(self, client: httpx.AsyncClient) -> None:
        made = await client.post("/v1/keys", json={"name": "bot", "scope": "write"})
        assert made.status_code == 201, made.text
        new = made.json()
        assert new["key"].startswith(new["prefix"] + "_")
        listed = (await client.get("/v1/keys", params={"limit": 500})).json()["items"]
        assert new["prefix"] in {k["prefix"] for k in listed}
        assert all("key" not in k and "hash" not in k for k in listed)
        assert (await client.delete(f"/v1/keys/{new['id']}")).json()["revoked_at"]


class TestReadsRequireKey:
    """Reads are open by default; with CLAIMGRAPH_READS_REQUIRE_KEY they need a `read` key."""

    async def test_reads_open_by_default(
        self, anonymous: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        actor = await make_actor(client)
        assert (await anonymous.get("/v1/actors")).status_code == 200
        assert (await anonymous.get(f"/v1/actors/{actor['id']}")).status_code == 200

    async def test_reads_need_a_key_when_configured(
        self, database_url: str, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        actor = await make_actor(client)
        read_key = await make_key("read")
        async with app_with(database_url, reads_require_key=True) as strict:
            async with client_for(strict) as http:
                for path in ("/v1/actors", f"/v1/actors/{actor['id']}", "/v1/changes"):
                    assert_unauthorized(await http.get(path))
                assert (await http.get("/healthz")).status_code == 200
            async with client_for(strict, "cg_x_nonsense") as http:
                assert_unauthorized(await http.get("/v1/actors"))
            async with client_for(strict, read_key) as http:
                r = await http.get(f"/v1/actors/{actor['id']}")
                assert r.status_code == 200
                assert r.json()["id"] == actor["id"]
                problem(await http.post("/v1/actors", json={"kind": "person", "name": "N"}), 403)


class TestKeysStoredHashed:
    """The database never holds a key, only its SHA-256."""

    async def test_row_holds_only_the_hash(
        self, client: httpx.AsyncClient, engine: AsyncEngine, backend: str, database_url: str
    ) -> None:
        new = (await client.post("/v1/keys", json={"name": "hash", "scope": "read"})).json()
        secret = new["key"].split("_", 2)[2]
        (row,) = await rows(engine, "SELECT * FROM api_keys WHERE prefix = :p", p=new["prefix"])
        cells = [str(v) for v in row]
        assert all(secret not in c and new["key"] not in c for c in cells), cells
        assert hashlib.sha256(new["key"].encode()).hexdigest() in cells
        if backend == "sqlite":  # nowhere in the database files either
            # Searched by another process: closing a file descriptor on the database in this
            # one would drop SQLite's POSIX locks on it.
            path = Path(database_url.removeprefix("sqlite:///"))
            files = " ".join(shlex.quote(str(p)) for p in (path, Path(f"{path}-wal")))
            grep = await asyncio.create_subprocess_shell(
                f"cat {files} 2>/dev/null | grep -c -F -e {shlex.quote(secret)}",
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await grep.communicate()
            assert grep.returncode == 1, out


async def cells_holding(engine: AsyncEngine, needle: str) -> list[str]:
    """Every text or document column of every table with a value containing `needle`."""
    found = []
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | JSON):
                    continue
                hits = await conn.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(cast(column, Text).contains(needle, autoescape=True))
                )
                if hits:
                    found.append(f"{table.name}.{column.name}")
    return found


class TestNoSecretAtRest:
    """No API secret is written anywhere, however the key was made, and a replayed key
    creation does not show the secret again."""

    async def test_keys_made_over_http_every_way(
        self, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        plain = (await client.post("/v1/keys", json={"name": "plain", "scope": "read"})).json()
        headers = {"Idempotency-Key": "make-a-key"}
        body = {"name": "keyed", "scope": "write", "expires_in_days": 3}
        keyed = await client.post("/v1/keys", json=body, headers=headers)
        assert keyed.status_code == 201, keyed.text
        replay = await client.post("/v1/keys", json=body, headers=headers)
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["key"] is None  # the secret is shown once
        assert {k: v for k, v in replay.json().items() if k != "key"} == {
            k: v for k, v in keyed.json().items() if k != "key"
        }
        for new in (plain, keyed.json()):
            secret = new["key"].split("_", 2)[2]
            assert await cells_holding(engine, secret) == []

    @pytest.mark.slow
    async def test_a_key_made_with_the_cli(self, database_url: str, engine: AsyncEngine) -> None:
        code, out = await run_cli(
            database_url, "keys", "create", "--name", "cli", "--scope", "read"
        )
        assert code == 0, out
        secret = out.strip().splitlines()[-1].split("_", 2)[2]
        assert await cells_holding(engine, secret) == []

    async def test_a_key_cannot_revoke_itself(
        self, app: FastAPI, client: httpx.AsyncClient, make_key: MakeKey
    ) -> None:
        admin = await make_key("admin")
        async with client_for(app, admin) as http:
            body = problem(await http.delete(f"/v1/keys/{prefix_of(admin)}"), 409)
            assert body["type"] == "/problems/key-revokes-itself"
            assert (await http.get("/v1/keys")).status_code == 200  # still works
        revoked = await client.delete(f"/v1/keys/{prefix_of(admin)}")  # by another admin key
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked_at"] is not None


@pytest.mark.slow
class TestKeysCli:
    """`claimgraph keys create/list/revoke`, run as a separate process."""

    async def test_create_list_revoke(
        self, app: FastAPI, client: httpx.AsyncClient, database_url: str
    ) -> None:
        code, out = await run_cli(
            database_url, "keys", "create", "--name", "ingest-bot", "--scope", "write"
        )
        assert code == 0, out
        key = out.strip().splitlines()[-1]
        assert key.startswith("cg_")
        prefix = prefix_of(key)
        async with client_for(app, key) as http:
            r = await http.post("/v1/actors", json={"kind": "person", "name": "CLI"})
            assert r.status_code == 201, r.text
            problem(await http.get("/v1/keys"), 403)

        code, out = await run_cli(database_url, "keys", "list")
        assert code == 0, out
        assert prefix in out
        assert "ingest-bot" in out
        assert key.split("_", 2)[2] not in out

        code, out = await run_cli(database_url, "keys", "revoke", prefix)
        assert code == 0, out
        async with client_for(app, key) as http:
            assert_unauthorized(await http.post("/v1/actors", json={"kind": "person", "name": "X"}))

        code, out = await run_cli(database_url, "keys", "revoke", "cg_doesnotexist")
        assert code == 1


class TestWriterRecorded:
    """Every row written records the key that wrote it, and so does its history."""

    async def test_rows_and_history_name_the_key(
        self, app: FastAPI, client: httpx.AsyncClient, engine: AsyncEngine, make_key: MakeKey
    ) -> None:
        key = await make_key("write")
        writer = f"key:{prefix_of(key)}"
        async with client_for(app, key) as http:
            stance = await make_stance(http)
            assert stance["recorded_by"] == writer
            actor = await make_actor(http)
            org = await make_actor(http, kind="organization")
            r = await http.post(
                f"/v1/actors/{actor['id']}/affiliations",
                json={"organization_id": org["id"], "kind": "member_of"},
            )
            assert r.status_code == 201, r.text
        for table in ("actors", "sources", "claims", "affiliations"):
            values = {v for (v,) in await rows(engine, f"SELECT created_by FROM {table}")}
            assert values == {writer}, (table, values)
        assert {v for (v,) in await rows(engine, "SELECT recorded_by FROM stances")} == {writer}
        batches = "changes AS c LEFT JOIN change_batches AS b ON b.id = c.batch_id"
        writers = {v for (v,) in await rows(engine, f"SELECT b.writer FROM {batches}")}
        assert writers == {writer}

        # A change by another key is attributed to that key.
        other = await make_key("write")
        async with client_for(app, other) as http:
            r = await http.patch(f"/v1/actors/{actor['id']}", json={"name": "Renamed"})
            assert r.status_code == 200, r.text
        history = (await client.get(f"/v1/actors/{actor['id']}/history")).json()["items"]
        assert [(c["action"], c["writer"]) for c in history] == [
            ("create", writer),
            ("update", f"key:{prefix_of(other)}"),
        ]

    async def test_claims_and_sources_made_by_factories(self, client: httpx.AsyncClient) -> None:
        # the admin client's writes are attributed too
        await make_claim(client)
        await make_source(client)
        feed = (await client.get("/v1/changes")).json()["items"]
        assert feed
        assert all(c["writer"] and c["writer"].startswith("key:cg_") for c in feed)


class TestMassAssignment:
    """Fields the service sets cannot be set by a client: unknown fields are a 422."""

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/v1/actors", {"kind": "person", "name": "M", "id": str(uuid.uuid4())}, "id"),
            ("/v1/actors", {"kind": "person", "name": "M", "created_by": "key:x"}, "created_by"),
            ("/v1/claims", {"statement": "Mass assigned", "version": 7}, "version"),
            ("/v1/keys", {"name": "k", "scope": "read", "hash": "0" * 64}, "hash"),
        ],
    )
    async def test_service_fields_are_refused(
        self, client: httpx.AsyncClient, path: str, body: dict[str, object], field: str
    ) -> None:
        r = await client.post(path, json=body)
        assert field in {e["field"] for e in problem(r, 422)["errors"]}

    async def test_side_and_writer_cannot_be_patched(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="denied")
        for body in ({"side": "support"}, {"recorded_by": "key:someone"}):
            problem(await client.patch(f"/v1/stances/{stance['id']}", json=body), 422)
        after = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert after["side"] == "dispute"
        assert after["recorded_by"] == stance["recorded_by"]
