"""One PostgreSQL server of a scale-test cluster, in a directory of its own, on its own port."""

import contextlib
import os
import signal
from pathlib import Path

from tests.scale.processes import (
    COMMAND_TIMEOUT,
    ClusterError,
    as_owner,
    free_port,
    give_to_owner,
    log_tail,
    psql,
    run,
)

DATABASE = "claimgraph"
STANDBY_NAME = "standby"
STATEMENT_TIMEOUT = "5s"  # the app's default (CLAIMGRAPH_STATEMENT_TIMEOUT_MS)
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
        command = as_owner([str(self.binaries / name), *args])
        return run(command, timeout=timeout, cwd=self.root)

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
        give_to_owner(signal_file)

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
        return psql(
            self.binaries,
            self.port,
            database,
            statement,
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            timeout=30,
        ).strip()

    def log_tail(self, size: int = 3000) -> str:
        return log_tail(self.log, size)
