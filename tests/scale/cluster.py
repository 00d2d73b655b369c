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

import atexit
import contextlib
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, Self

from tests.scale.link import Link
from tests.scale.pgbouncer import PgBouncer
from tests.scale.postgres import DATABASE, STANDBY_NAME, STATEMENT_TIMEOUT, Postgres
from tests.scale.processes import (
    ClusterError,
    free_port,
    give_to_owner,
    missing_parts,
    pgbouncer_binary,
    server_binaries,
    wait_for,
)

__all__ = ["DATABASE", "Cluster", "ClusterError", "Postgres", "free_port", "missing_parts"]


_LIVE: "set[Cluster]" = set()


@atexit.register
def _stop_all() -> None:
    for cluster in list(_LIVE):
        cluster.close()


def _exit_on_sigterm() -> None:
    """Make SIGTERM (`timeout`, a CI runner giving up) an exit that runs the clean-up, as
    Ctrl-C already is, unless the program handles it itself."""
    main = threading.current_thread() is threading.main_thread()
    if main and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


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
        give_to_owner(self.root)
        self.primary = Postgres(binaries, self.root, "primary")
        self.standby = Postgres(binaries, self.root, "standby")
        self.link: Link | None = None
        self.bouncer: PgBouncer | None = None
        self.closed = False

    def __enter__(self) -> Self:
        _exit_on_sigterm()
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
        # Except in the maintenance database, where the test suite run through PgBouncer
        # creates and drops its databases: a DROP DATABASE on a busy machine takes longer.
        self.primary.sql("ALTER ROLE postgres IN DATABASE postgres SET statement_timeout = 0")
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
            wait_for("the standby streaming", streaming, timeout, interval=0.1)
        except ClusterError as exc:
            raise ClusterError(f"{exc}\n{self.standby.log_tail()}") from exc

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        lsn = self.primary.sql("SELECT pg_current_wal_lsn()", "postgres")
        wait_for(
            "the standby catching up",
            lambda: self.standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t",
            timeout,
        )

    def quiesce(self, timeout: float = 10) -> None:
        """Have PgBouncer close its server connections (its clients keep theirs) and wait
        until their backends have exited: they publish their statistics as they exit,
        which idle ones otherwise do up to 10 s later."""
        if self.bouncer is None:
            return
        pids = {row["remote_pid"] for row in self.bouncer.admin("SHOW SERVERS")}
        self.bouncer.admin("RECONNECT")
        if not pids:
            return
        listed = ",".join(sorted(pids))

        def closed(server: Postgres) -> bool:
            gone = f"SELECT count(*) FROM pg_stat_activity WHERE pid IN ({listed})"
            return server.sql(gone, "postgres") == "0"

        for server in (self.primary, self.standby):
            if server.running():
                wait_for("PgBouncer closing its connections", partial(closed, server), timeout)

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
