"""The `claimgraph` command meets databases as a new user finds them: never migrated, behind,
unreachable, misnamed. Each command says what happened in one line and never prints a
traceback; an empty database is initialised by whichever command needs it."""

import asyncio
import os
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db.engines import create_engine
from tests.conftest import PG_VAR
from tests.live import CLI, serve
from tests.trust.conftest import postgres_only

pytestmark = pytest.mark.slow

NewDatabase = Callable[[], AbstractAsyncContextManager[str]]
INITIALISED = "was empty"  # part of the one line saying the schema was created
PREFIX = re.compile(r"cg_[0-9a-f]{12}\b")
MINUTE = re.compile(r"20\d\d-\d\d-\d\d \d\d:\d\d")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err

    def no_traceback(self) -> None:
        assert "Traceback" not in self.both, self.both
        assert "╭─" not in self.err or "Usage" in self.err, self.err  # typer's framed dumps


async def cli(url: str, *args: str, columns: int = 120, cwd: Path | None = None) -> Run:
    """`claimgraph ARGS` in its own process against `url`; exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env={**os.environ, "DATABASE_URL": url, "COLUMNS": str(columns)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return Run(proc.returncode or 0, out.decode(), err.decode())


class TestEmptyDatabase:
    """A database with no tables is initialised by any command that needs the schema, with
    one line saying so."""

    async def test_keys_create(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            run = await cli(url, "keys", "create", "--name", "first")
            assert run.code == 0, run.both
            run.no_traceback()
            assert run.err.count(INITIALISED) == 1, run.err
            assert len(run.err.strip().splitlines()) == 1, run.err
            assert run.out.strip().splitlines()[-1].startswith("cg_")
            listed = await cli(url, "keys", "list")
            assert listed.code == 0, listed.both
            assert INITIALISED not in listed.both  # only the first command initialises
            assert "first" in listed.out

    async def test_keys_list(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            run = await cli(url, "keys", "list")
            assert run.code == 0, run.both
            run.no_traceback()
            assert INITIALISED in run.err

    async def test_demo_load(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            run = await cli(url, "demo", "load")
            assert run.code == 0, run.both
            assert INITIALISED in run.err
            assert "stance" in run.out

    async def test_readme_tour_import_into_a_new_file(
        self, new_database: NewDatabase, tmp_path: Path
    ) -> None:
        """README: `claimgraph export -o worked-example.ndjson`, then
        `DATABASE_URL=sqlite:///copy.db claimgraph import worked-example.ndjson`."""
        async with new_database() as url, new_database() as copy:
            assert (await cli(url, "demo", "load")).code == 0
            exported = tmp_path / "worked-example.ndjson"
            run = await cli(url, "export", "--format", "ndjson", "-o", str(exported))
            assert run.code == 0, run.both
            run = await cli(copy, "import", str(exported))
            assert run.code == 0, run.both
            run.no_traceback()
            assert INITIALISED in run.err
            assert "records imported" in run.out
            again = await cli(copy, "import", str(exported))
            assert again.code == 0, again.both
            assert INITIALISED not in again.both

    async def test_suggest(self, new_database: NewDatabase, tmp_path: Path) -> None:
        text = tmp_path / "statement.txt"
        text.write_text("The ministry denied that troops had crossed the border.\n")
        async with new_database() as url:
            run = await cli(url, "suggest", str(text))
            assert run.code == 0, run.both
            run.no_traceback()
            assert INITIALISED in run.err

    async def test_export_to_stdout_stays_clean(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            run = await cli(url, "export", "--format", "ndjson")
            assert run.code == 0, run.both
            assert INITIALISED in run.err
            assert INITIALISED not in run.out  # stdout is the export itself

    async def test_serve_without_demo(self, new_database: NewDatabase, tmp_path: Path) -> None:
        log = tmp_path / "serve.log"
        async with (
            new_database() as url,
            serve(url, log) as server,
            httpx.AsyncClient(base_url=server.url, timeout=5) as http,
        ):
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
        output = log.read_text()
        assert INITIALISED in output
        assert "Traceback" not in output


class TestDatabaseBehind:
    """A database whose migrations are behind the code: one line naming the command that
    fixes it, exit 1, and nothing changed."""

    @pytest.mark.parametrize(
        "args",
        [
            ("keys", "create", "--name", "x"),
            ("keys", "list"),
            ("keys", "revoke", "cg_000000000000"),
            ("demo", "load"),
            ("export",),
            ("serve",),
        ],
        ids=lambda a: " ".join(a[:2]),
    )
    async def test_refused_in_one_line(
        self, new_database: NewDatabase, args: tuple[str, ...]
    ) -> None:
        async with new_database() as url:
            assert (await cli(url, "db", "upgrade", "0001")).code == 0
            run = await asyncio.wait_for(cli(url, *args), 60)
            assert run.code == 1, run.both
            run.no_traceback()
            lines = run.both.strip().splitlines()
            assert len(lines) == 1, run.both
            assert "claimgraph db upgrade" in lines[0]
            current = await cli(url, "db", "current")
            assert "database: 0001 " in current.out  # not migrated behind the user's back

    async def test_export_leaves_no_file_behind(
        self, new_database: NewDatabase, tmp_path: Path
    ) -> None:
        async with new_database() as url:
            assert (await cli(url, "db", "upgrade", "0001")).code == 0
            target = tmp_path / "out.ndjson"
            run = await cli(url, "export", "-o", str(target))
            assert run.code == 1, run.both
            assert not target.exists()

    async def test_database_ahead_of_the_code(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            assert (await cli(url, "db", "upgrade")).code == 0
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:
                    await conn.execute(text("UPDATE alembic_version SET version_num = '9999_x'"))
            finally:
                await engine.dispose()
            run = await cli(url, "keys", "list")
            assert run.code == 1, run.both
            run.no_traceback()
            assert len(run.both.strip().splitlines()) == 1, run.both
            assert "9999_x" in run.both
            assert "newer" in run.both


class TestExpectedFailures:
    """No traceback for anything a user can get wrong or a network can do."""

    @pytest.mark.parametrize(
        ("url", "says"),
        [
            ("postgresql://postgres@127.0.0.1:1/none", "cannot reach"),
            ("garbage", "DATABASE_URL"),
            ("mysql://root@localhost/x", "DATABASE_URL"),
            ("sqlite:////nonexistent-dir/x/claimgraph.db", "cannot open"),
        ],
    )
    @pytest.mark.parametrize(
        "args", [("keys", "list"), ("db", "current"), ("serve",), ("suggest", __file__)]
    )
    async def test_bad_database(self, url: str, says: str, args: tuple[str, ...]) -> None:
        run = await cli(url, *args)
        assert run.code == 1, run.both
        run.no_traceback()
        lines = run.both.strip().splitlines()
        assert len(lines) == 1, run.both
        assert says in lines[0]

    async def test_postgres_database_that_does_not_exist(self, backend: str) -> None:
        postgres_only(backend, "about a PostgreSQL database name")
        url = make_url(os.environ[PG_VAR]).set(database="claimgraph_no_such_database")
        run = await cli(url.render_as_string(hide_password=False), "keys", "list")
        assert run.code == 1, run.both
        run.no_traceback()
        assert len(run.both.strip().splitlines()) == 1, run.both
        assert "claimgraph_no_such_database" in run.both

    async def test_bad_setting(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            proc = await asyncio.create_subprocess_exec(
                *CLI,
                "keys",
                "list",
                env={**os.environ, "DATABASE_URL": url, "CLAIMGRAPH_PORT": "eighty"},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 1, out.decode()
            assert "Traceback" not in out.decode()
            assert "CLAIMGRAPH_PORT" in out.decode()

    async def test_export_into_a_missing_directory(
        self, new_database: NewDatabase, tmp_path: Path
    ) -> None:
        async with new_database() as url:
            run = await cli(url, "export", "-o", str(tmp_path / "nowhere" / "out.ndjson"))
            assert run.code == 1, run.both
            run.no_traceback()
            assert len(run.both.strip().splitlines()) <= 2, run.both  # the init line, then why
            assert "nowhere" in run.both

    async def test_import_of_a_missing_file(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            run = await cli(url, "import", "/nonexistent/records.ndjson")
            assert run.code == 2, run.both  # a usage error, as click reports it
            assert "Traceback" not in run.both
            assert "does not exist" in run.both


class TestKeysAtAnyWidth:
    """`keys list` shows each key's whole prefix however narrow the terminal, and `keys
    revoke` takes what it shows."""

    async def test_list_then_revoke(self, new_database: NewDatabase) -> None:
        widths = (40, 80, 200)
        async with new_database() as url:
            made = await cli(url, "keys", "create", "--name", "a-rather-long-key-name")
            assert made.code == 0, made.both
            key = made.out.strip().splitlines()[-1]
            prefix = "_".join(key.split("_")[:2])
            shown: dict[int, list[str]] = {}
            for columns in widths:
                listed = await cli(url, "keys", "list", columns=columns)
                shown[columns] = PREFIX.findall(listed.out)
                assert listed.code == 0, listed.both
                assert PREFIX.findall(listed.out) == [prefix], (columns, listed.out)
                assert max(len(line) for line in listed.out.splitlines()) <= columns, listed.out
                assert len(MINUTE.findall(listed.out)) == 1, (columns, listed.out)  # created
            # What the narrowest list shows is what revoke takes (every width shows the same).
            revoked = await cli(url, "keys", "revoke", shown[min(widths)][0])
            assert revoked.code == 0, revoked.both
            for columns in widths:
                again = await cli(url, "keys", "list", columns=columns)
                assert PREFIX.findall(again.out) == [prefix], (columns, again.out)
                assert max(len(line) for line in again.out.splitlines()) <= columns, again.out
                # created, and now revoked: two times where there was one
                assert len(MINUTE.findall(again.out)) == 2, (columns, again.out)

    async def test_revoke_takes_the_whole_key_too(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            made = await cli(url, "keys", "create", "--name", "whole")
            key = made.out.strip().splitlines()[-1]
            revoked = await cli(url, "keys", "revoke", f" {key} ")
            assert revoked.code == 0, revoked.both
            assert "_".join(key.split("_")[:2]) in revoked.out
            assert key.split("_", 2)[2] not in revoked.both  # the secret is not echoed

    async def test_unknown_prefix(self, new_database: NewDatabase) -> None:
        async with new_database() as url:
            run = await cli(url, "keys", "revoke", "cg_000000000000")
            assert run.code == 1, run.both
            run.no_traceback()
            assert "cg_000000000000" in run.err
