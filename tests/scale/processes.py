"""Running the PostgreSQL and PgBouncer tools for the scale tests: where they are, as which OS
user, with bounded waits."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

PG_BIN_VARIABLE = "CLAIMGRAPH_PG_BIN"
OWNER = "postgres"  # the OS user the servers run as when this process is root
COMMAND_TIMEOUT = 60.0


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


def as_owner(command: list[str]) -> list[str]:
    """`command` run as the servers' OS user (only needed, and only possible, as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", OWNER, "--", *command]
    return command


def give_to_owner(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OWNER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def run(command: list[str], *, timeout: float = COMMAND_TIMEOUT, cwd: Path | None = None) -> str:
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


def wait_for(what: str, check: Any, timeout: float, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def psql(
    binaries: Path, port: int, database: str, command: str, *options: str, timeout: float
) -> str:
    """The output of `psql OPTIONS -c COMMAND` as postgres on the server at `port`."""
    return run(
        [
            str(binaries / "psql"),
            "-X",
            "-q",
            *options,
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            database,
            "-c",
            command,
        ],
        timeout=timeout,
    )


def stop_group(process: subprocess.Popen[bytes] | None, grace: float = 10) -> None:
    """SIGTERM to the process group of `process` (started with `start_new_session`), SIGKILL
    after `grace` s; nothing when it is not running."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def log_tail(log: Path, size: int = 3000) -> str:
    """The last `size` characters of a log file ("" when there is none yet)."""
    try:
        return log.read_text(errors="replace")[-size:]
    except OSError:
        return ""
