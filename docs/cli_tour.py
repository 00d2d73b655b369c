"""The README's `claimgraph` CLI tour, produced by running it.

    python docs/cli_tour.py            # print the transcript
    python docs/cli_tour.py --write    # and put it into README.md, between the cli-tour markers

Runs each command of the tour as a separate process (`python -m app.cli.main`, as the
installed `claimgraph` runs it) in a fresh temporary directory holding an empty SQLite
database, and prints a transcript: the command line, its comment, then what it wrote to
stdout and stderr. What varies from run to run is replaced by fixed text: a key's random
prefix and secret, times, the server's port and process id. tests/docs/test_readme.py runs
this and compares the result with README.md, so the tour cannot drift from what the commands
do.
"""

import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- cli-tour:start -->", "<!-- cli-tour:end -->"
CLAIMGRAPH = [sys.executable, "-m", "app.cli.main"]
COLUMNS = 100
COMMENT_AT = 40  # the column where a command's comment starts, when the command is shorter
PREFIX = "cg_0123456789ab"  # what every key prefix reads as in the transcript
BAD_LINES = (
    '{"type": "claim", "key": "sky", "tags": ["weather"]}\n'
    '{"type": "opinion", "key": "green", "statement": "The sky is green."}\n'
)

# (command, comment lines): the tour. A command that does not start with `claimgraph` (or a
# `NAME=value` before it) is shown and interpreted here: `export` and `cat`.
TOUR: list[tuple[str, list[str]]] = [
    ("export DATABASE_URL=sqlite:///claimgraph.db", []),
    ("claimgraph db current", ["exit 1: the schema is behind"]),
    ("claimgraph db upgrade", ["(or let the first command that needs it do it)"]),
    ("claimgraph db current", ["exit 0"]),
    ("claimgraph demo load", ["the worked example; a second load creates nothing"]),
    ("claimgraph keys create --name ingest-bot --scope write", []),
    (
        f"claimgraph keys revoke {PREFIX}",
        [
            "stops working at once; `keys list` shows all keys",
            "(one block per key in a narrow terminal; the",
            "prefix is always whole, and so is accepted here)",
        ],
    ),
    (
        "claimgraph export --format ndjson -o worked-example.ndjson",
        ["or claimreview, prov, stix"],
    ),
    ("DATABASE_URL=sqlite:///copy.db claimgraph import worked-example.ndjson", ["all or nothing"]),
    ("cat bad.ndjson", []),
    ("claimgraph import bad.ndjson", ["exit 1: every invalid line listed, nothing written"]),
    ("claimgraph serve", ["--demo: migrate and load the worked example first"]),
    ("claimgraph db downgrade base", ["empties the database"]),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prompt(command: str, comments: list[str]) -> list[str]:
    """`$ command   # comment`, and the comment's further lines under its first."""
    line = f"$ {command}"
    if not comments:
        return [line]
    column = COMMENT_AT if len(line) < COMMENT_AT else len(line) + 3
    lines = [f"{line.ljust(column)}# {comments[0]}"]
    lines += [f"{' ' * column}# {more}" for more in comments[1:]]
    return lines


def serve_until_ready(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    """Start the server, keep its output until uvicorn says it is running, then stop it."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    out = b""
    deadline = time.monotonic() + 120
    try:
        while b"Uvicorn running" not in out:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the server did not start:\n{out.decode()}")
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                out += chunk
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    head, _, rest = out.decode().partition("Uvicorn running")
    return head + "Uvicorn running" + rest.split("\n", 1)[0]


def run(command: str, env: dict[str, str], cwd: Path, state: dict[str, str]) -> str:
    """Run one command of the tour; what it printed. `export` changes `env` for the rest."""
    words = shlex.split(command.replace(PREFIX, state.get("prefix", PREFIX)))
    if words[0] == "export":
        name, value = words[1].split("=", 1)
        env[name] = value
        return ""
    if words[0] == "cat":
        return (cwd / words[1]).read_text()
    env = dict(env)
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    argv = CLAIMGRAPH + words[1:]
    if words[1] == "serve":
        return serve_until_ready(argv, env, cwd)
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300
    )
    return done.stdout.decode()


def normalise(text: str, state: dict[str, str]) -> str:
    """Fixed text for what differs from run to run."""
    text = re.sub(r"\bcg_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}", f"{PREFIX}_<the secret>", text)
    found = re.search(r"\bcg_[0-9a-f]{12}\b", text)
    if found and "prefix" not in state:
        state["prefix"] = found.group(0)
    text = re.sub(r"\bcg_[0-9a-f]{12}\b", PREFIX, text)
    text = re.sub(r"\b\d{4}-\d\d-\d\d \d\d:\d\d\b", "2026-12-01 12:00", text)
    text = re.sub(r"(Started server process) \[\d+\]", r"\1 [4242]", text)
    if "port" in state:
        text = text.replace(f":{state['port']}", ":8000")
    return text


def transcript() -> str:
    """Run the tour in a fresh directory; the transcript, normalised."""
    state: dict[str, str] = {"port": str(free_port())}
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="claimgraph-tour-") as tmp:
        cwd = Path(tmp)
        (cwd / "bad.ndjson").write_text(BAD_LINES)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CLAIMGRAPH_", "DATABASE_"))
        }
        env.update(
            {
                "COLUMNS": str(COLUMNS),
                "LINES": "50",
                "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": str(ROOT),
                "NO_COLOR": "1",
                "TERM": "dumb",
                "CLAIMGRAPH_PORT": state["port"],
            }
        )
        for command, comments in TOUR:
            lines += prompt(command, comments)
            out = normalise(run(command, env, cwd, state), state)
            lines += out.rstrip("\n").split("\n") if out.strip() else []
    return "\n".join(line.rstrip() for line in lines) + "\n"


def readme_block(readme: str) -> str:
    """The transcript in README.md: the console block between the markers, without its fence."""
    inside = readme.split(START, 1)[1].split(END, 1)[0]
    body = inside.strip("\n").split("\n")
    if body[0].startswith("```") and body[-1].startswith("```"):
        body = body[1:-1]
    return "\n".join(body) + "\n"


def write(text: str) -> None:
    readme = README.read_text()
    head, rest = readme.split(START, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(f"{head}{START}\n```console\n{text}```\n{END}{tail}")


def main() -> None:
    text = transcript()
    sys.stdout.write(text)
    if "--write" in sys.argv[1:]:
        write(text)


if __name__ == "__main__":
    main()
