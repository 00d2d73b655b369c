"""PgBouncer in transaction pooling mode, for the scale tests."""

import csv
import io
import subprocess
from pathlib import Path

from tests.scale.postgres import DATABASE
from tests.scale.processes import (
    ClusterError,
    as_owner,
    free_port,
    give_to_owner,
    listening,
    log_tail,
    pgbouncer_binary,
    psql,
    stop_group,
    wait_for,
)


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
            give_to_owner(path)

    def start(self) -> None:
        self._write_config()
        with self.log.with_suffix(".out").open("wb") as out:
            self.process = subprocess.Popen(
                as_owner([pgbouncer_binary() or "pgbouncer", str(self.config)]),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.root,
            )
        try:
            wait_for("PgBouncer listening", lambda: self._up(), 15)
        except ClusterError as exc:
            raise ClusterError(f"{exc}\n{self.log_tail()}") from exc

    def _up(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ClusterError(f"PgBouncer exited:\n{self.log_tail()}")
        return listening(self.port)

    def point(self, name: str, port: int) -> None:
        """Send the pool `name` to the server on `port` (rewrite the file, RELOAD)."""
        self.databases[name] = port
        self._write_config()
        self.admin("RELOAD")

    def admin(self, command: str) -> list[dict[str, str]]:
        """Rows of an admin console command (`SHOW POOLS`, `RELOAD`, ...)."""
        out = psql(self.binaries, self.port, "pgbouncer", command, "--csv", timeout=15)
        return list(csv.DictReader(io.StringIO(out)))

    def stop(self) -> None:
        stop_group(self.process)

    def log_tail(self, size: int = 3000) -> str:
        return log_tail(self.log, size)
