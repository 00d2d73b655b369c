"""A dedicated PostgreSQL primary with a hot standby, and PgBouncer in front, for the scale
tests and `bench/scale_out.py`.

The primary is made with `initdb`, the standby with `pg_basebackup` from it (streaming
replication through a replication slot, optionally synchronous), both from the Debian
server binaries (`/usr/lib/postgresql/<version>/bin`, or `CLAIMGRAPH_PG_BIN`); PgBouncer runs
in transaction pooling mode. Everything listens on free ports of 127.0.0.1 and lives in one
temporary directory, run as the `postgres` OS user when started as root (PostgreSQL and
PgBouncer refuse to run as root). The machine's own clusters are never touched, and
`pg_createcluster` is not used: it registers a cluster under /etc/postgresql, machine-wide
state that a run which dies half-way would leave behind.

`Cluster` is a context manager; whatever it started is stopped and its directory removed when
the block ends, or at interpreter exit if the block never ends.

The standby may replicate through a `Link`: a TCP relay that delays every byte (a standby in
another data centre) and can be cut (the primary's machine and network gone at once).
"""

import asyncio
import atexit
import contextlib
import csv
import io
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

PG_BIN_VARIABLE = "CLAIMGRAPH_PG_BIN"
OWNER = "postgres"  # the OS user the servers run as when this process is root
DATABASE = "claimgraph"
STANDBY_NAME = "standby"
COMMAND_TIMEOUT = 60.0
STATEMENT_TIMEOUT = "15s"  # the app's default (CLAIMGRAPH_STATEMENT_TIMEOUT_MS)
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "120",
    "shared_buffers": "128MB",
    "wal_level": "replica",
    "max_wal_senders": "5",
    "max_replication_slots": "5",
    "hot_standby": "on",
    # Queries on the standby hold back the primary's vacuum instead of being cancelled.
    "hot_standby_feedback": "on",
    "wal_receiver_status_interval": "1s",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %q%a '",
}


class ClusterError(RuntimeError):
    """A part of the cluster did not start, stop or answer."""


def server_binaries() -> Path | None:
    """The directory of `initdb`, `pg_ctl` and `pg_basebackup`: `CLAIMGRAPH_PG_BIN`, else the
    newest Debian install; None when there is none."""
    chosen = os.environ.get(PG_BIN_VARIABLE)
    candidates = [Path(chosen)] if chosen else []
    installed = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(installed, key=lambda p: int(p.parent.name), reverse=True)
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return candidate
    return None


def pgbouncer_binary() -> str | None:
    """The PgBouncer executable, or None."""
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).is_file()), None
    )


def missing_parts() -> str | None:
    """What is missing to run a cluster here (None when nothing is)."""
    if server_binaries() is None:
        return f"no PostgreSQL server binaries (apt-get install postgresql, or {PG_BIN_VARIABLE})"
    if pgbouncer_binary() is None:
        return "no PgBouncer (apt-get install pgbouncer)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """`command` run as the servers' OS user (only needed, and only possible, as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", OWNER, "--", *command]
    return command


def _give_to_owner(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OWNER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(command: list[str], *, timeout: float = COMMAND_TIMEOUT, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=cwd,
            env={**os.environ, "PGCONNECT_TIMEOUT": "5", "LC_ALL": "C.UTF-8"},
        )
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"{' '.join(command)}: no answer within {timeout} s") from exc
    if done.returncode != 0:
        raise ClusterError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_for(what: str, check: Any, timeout: float, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


class Postgres:
    """One PostgreSQL server in `root/<name>`, on its own port."""

    def __init__(self, binaries: Path, root: Path, name: str) -> None:
        self.binaries, self.root, self.name = binaries, root, name
        self.data = root / name
        self.log = root / f"{name}.log"
        self.port = free_port()

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _tool(self, name: str, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
        command = _as_owner([str(self.binaries / name), *args])
        return _run(command, timeout=timeout, cwd=self.root)

    def initdb(self, settings: dict[str, str]) -> None:
        """A new cluster: trust authentication on 127.0.0.1 and the replication lines."""
        self._tool(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        lines = [f"{k} = {v}" for k, v in {**SERVER_SETTINGS, **settings}.items()]
        lines.append(f"unix_socket_directories = '{self.root}'")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# claimgraph scale tests\n" + "\n".join(lines) + "\n")

    def base_backup(self, primary: "Postgres", via_port: int, *, slot: str) -> None:
        """This server's data as a standby of `primary`, streaming from `via_port`."""
        self._tool(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-X",
            "stream",
            "-c",
            "fast",
            "-C",
            "-S",
            slot,
            "--no-sync",
            timeout=120,
        )
        conninfo = (
            f"host=127.0.0.1 port={via_port} user=postgres application_name={STANDBY_NAME} "
            "connect_timeout=2"
        )
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"primary_conninfo = '{conninfo}'\nprimary_slot_name = '{slot}'\n")
        signal_file = self.data / "standby.signal"
        signal_file.touch()
        _give_to_owner(signal_file)

    def start(self) -> None:
        self._tool(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port} -c cluster_name={self.name}",
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` (clients are disconnected, a clean shutdown) or `immediate`
        (no shutdown checkpoint: what a crash leaves)."""
        try:
            self._tool("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        except ClusterError:
            if self.running():
                self._kill()

    def _kill(self) -> None:
        pid_file = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)

    def running(self) -> bool:
        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return False
        return True

    def promote(self) -> None:
        """A standby becomes a primary (waits until it accepts writes)."""
        self._tool("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote", timeout=90)

    def sql(self, statement: str, database: str = DATABASE) -> str:
        """The output of one statement (psql, unaligned, tuples only)."""
        return _run(
            [
                str(self.binaries / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                statement,
            ],
            timeout=30,
        ).strip()

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""


class PgBouncer:
    """PgBouncer in transaction pooling mode, one pool per named database."""

    def __init__(
        self, binaries: Path, root: Path, databases: dict[str, int], *, pool_size: int
    ) -> None:
        self.binaries, self.root = binaries, root
        # Pool name -> server port, each leading to the database DATABASE there; the pool
        # DATABASE names the primary.
        self.databases = dict(databases)
        self.pool_size = pool_size
        self.port = free_port()
        self.config = root / "pgbouncer.ini"
        self.log = root / "pgbouncer.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, name: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _write_config(self) -> None:
        users = self.root / "userlist.txt"
        users.write_text('"postgres" ""\n')
        entries = "\n".join(
            f"{name} = host=127.0.0.1 port={port} dbname={DATABASE}"
            for name, port in self.databases.items()
        )
        # Any other database name: the database of that name on the primary.
        entries += f"\n* = host=127.0.0.1 port={self.databases[DATABASE]}"
        self.config.write_text(
            f"""[databases]
{entries}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
admin_users = postgres
pool_mode = transaction
default_pool_size = {self.pool_size}
max_client_conn = 2000
logfile = {self.log}
; a server that cannot be reached is tried again after 1 s (15 s by default), and clients
; wait at most 10 s for a server connection instead of 120 s
server_login_retry = 1
query_wait_timeout = 10
server_connect_timeout = 3
"""
        )
        for path in (users, self.config):
            _give_to_owner(path)

    def start(self) -> None:
        self._write_config()
        with self.log.with_suffix(".out").open("wb") as out:
            self.process = subprocess.Popen(
                _as_owner([pgbouncer_binary() or "pgbouncer", str(self.config)]),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.root,
            )
        try:
            _wait_for("PgBouncer listening", lambda: self._up(), 15)
        except ClusterError as exc:
            raise ClusterError(f"{exc}\n{self.log_tail()}") from exc

    def _up(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ClusterError(f"PgBouncer exited:\n{self.log_tail()}")
        return _listening(self.port)

    def point(self, name: str, port: int) -> None:
        """Send the pool `name` to the server on `port` (rewrite the file, RELOAD)."""
        self.databases[name] = port
        self._write_config()
        self.admin("RELOAD")

    def admin(self, command: str) -> list[dict[str, str]]:
        """Rows of an admin console command (`SHOW POOLS`, `RELOAD`, ...)."""
        out = _run(
            [
                str(self.binaries / "psql"),
                "-X",
                "-q",
                "--csv",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "pgbouncer",
                "-c",
                command,
            ],
            timeout=15,
        )
        return list(csv.DictReader(io.StringIO(out)))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""


class Link:
    """A TCP relay from a port of its own to `target_port` that holds every chunk `delay`
    seconds in each direction (a distant standby) and can be cut: every connection through it
    is reset at once and bytes still on their way are dropped, as when a machine and its
    network go down together. It runs on an event loop in a thread of its own."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port, self.delay = target_port, delay
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def cut(self) -> None:
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._cut(), self.loop).result(10)

    def stop(self) -> None:
        if self.thread.is_alive():
            self.cut()
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        for task in list(self.tasks):
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._relay(source, sink, (writer, up_writer)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _relay(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                sink.write(data)
                await sink.drain()

        delivery = asyncio.create_task(deliver())
        try:
            while data := await source.read(65536):
                queue.put_nowait((time.monotonic() + self.delay, data))
            queue.put_nowait((time.monotonic() + self.delay, b""))
            await delivery
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            delivery.cancel()
            for w in pair:
                w.transport.abort()
                self.writers.discard(w)


_LIVE: "set[Cluster]" = set()


@atexit.register
def _stop_all() -> None:
    for cluster in list(_LIVE):
        cluster.close()


class Cluster:
    """A primary, its hot standby and PgBouncer, with a database `claimgraph` (empty: the
    caller migrates it). PgBouncer's pool `claimgraph` leads to the primary and
    `claimgraph_standby` to the standby.

    `synchronous`: commits on the primary wait until the standby has flushed them.
    `link_delay`: the standby streams through a `Link` with this delay each way (seconds)."""

    def __init__(
        self,
        *,
        synchronous: bool = False,
        link_delay: float | None = None,
        bouncer_pool_size: int = 10,
    ) -> None:
        binaries = server_binaries()
        if binaries is None:
            raise ClusterError(missing_parts() or "no PostgreSQL server binaries")
        self.binaries = binaries
        self.synchronous = synchronous
        self.link_delay = link_delay
        self.bouncer_pool_size = bouncer_pool_size
        self.root = Path(tempfile.mkdtemp(prefix="claimgraph-scale-"))
        _give_to_owner(self.root)
        self.primary = Postgres(binaries, self.root, "primary")
        self.standby = Postgres(binaries, self.root, "standby")
        self.link: Link | None = None
        self.bouncer: PgBouncer | None = None
        self.closed = False

    def __enter__(self) -> Self:
        _LIVE.add(self)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _start(self) -> None:
        self.primary.initdb({})
        self.primary.start()
        self.primary.sql(f"CREATE DATABASE {DATABASE}", database="postgres")
        # Through PgBouncer the app sends no statement_timeout when it connects (PgBouncer
        # refuses the startup parameter): the role carries it (docs/scaling.md).
        self.primary.sql(f"ALTER ROLE postgres SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        via = self.primary.port
        if self.link_delay is not None:
            self.link = Link(self.primary.port, self.link_delay)
            self.link.start()
            via = self.link.port
        self.standby.base_backup(self.primary, via, slot=STANDBY_NAME)
        self.standby.start()
        self.wait_streaming()
        if self.synchronous:
            self.primary.sql(
                f"ALTER SYSTEM SET synchronous_standby_names = '{STANDBY_NAME}'", "postgres"
            )
            self.primary.sql("SELECT pg_reload_conf()", "postgres")
            self.wait_streaming(sync=True)
        pgbouncer = pgbouncer_binary()
        if pgbouncer is None:
            raise ClusterError("no PgBouncer (apt-get install pgbouncer)")
        self.bouncer = PgBouncer(
            self.binaries,
            self.root,
            {DATABASE: self.primary.port, f"{DATABASE}_standby": self.standby.port},
            pool_size=self.bouncer_pool_size,
        )
        self.bouncer.start()

    def wait_streaming(self, *, sync: bool = False, timeout: float = 30) -> None:
        """Until the primary sees the standby streaming (and as its synchronous standby)."""
        wanted = "sync" if sync else "%"

        def streaming() -> bool:
            return (
                self.primary.sql(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' "
                    f"AND application_name = '{STANDBY_NAME}' AND sync_state LIKE '{wanted}'",
                    "postgres",
                )
                == "1"
            )

        try:
            _wait_for("the standby streaming", streaming, timeout, interval=0.1)
        except ClusterError as exc:
            raise ClusterError(f"{exc}\n{self.standby.log_tail()}") from exc

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        lsn = self.primary.sql("SELECT pg_current_wal_lsn()", "postgres")
        _wait_for(
            "the standby catching up",
            lambda: self.standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t",
            timeout,
        )

    def quiesce(self) -> None:
        """Close PgBouncer's server connections (its clients reconnect): their backends exit
        and publish their statistics, which idle ones otherwise do up to 10 s later."""
        if self.bouncer is not None:
            for pool in self.bouncer.databases:
                self.bouncer.admin(f"KILL {pool}")
                self.bouncer.admin(f"RESUME {pool}")

    def stats(self, server: Postgres) -> dict[str, int]:
        """The database's counters in `pg_stat_database` on `server`."""
        row = server.sql(
            "SELECT xact_commit, tup_returned, tup_fetched FROM pg_stat_database "
            f"WHERE datname = '{DATABASE}'"
        ).split("|")
        return dict(zip(("xact_commit", "tup_returned", "tup_fetched"), map(int, row), strict=True))

    def close(self) -> None:
        """Stop everything this cluster started and remove its directory (idempotent)."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.bouncer is not None:
                self.bouncer.stop()
            if self.link is not None:
                self.link.stop()
            for server in (self.standby, self.primary):
                if server.running():
                    server.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            _LIVE.discard(self)

    def logs(self) -> str:
        """The tails of the servers' and PgBouncer's logs (for failure messages)."""
        parts = [f"--- {s.name}\n{s.log_tail()}" for s in (self.primary, self.standby)]
        if self.bouncer is not None:
            parts.append(f"--- pgbouncer\n{self.bouncer.log_tail()}")
        return "\n".join(parts)


@contextlib.contextmanager
def running_cluster(**options: Any) -> Iterator[Cluster]:
    """A started `Cluster`, closed afterwards."""
    with Cluster(**options) as cluster:
        yield cluster
