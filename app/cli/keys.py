"""`claimgraph keys`: create, list and revoke API keys from the command line."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth import keys
from app.cli.database import CliError, run
from app.db.engines import create_sessionmaker, session_scope
from app.errors import NotFound

keys_cli = typer.Typer(help="API keys.", no_args_is_help=True)
console = Console()
T = TypeVar("T")
COLUMNS = ("prefix", "name", "scope", "created", "expires", "revoked")


def _in_session(
    action: Callable[[AsyncSession], Awaitable[T]],
) -> Callable[[AsyncEngine], Awaitable[T]]:
    async def on(engine: AsyncEngine) -> T:
        async for session in session_scope(create_sessionmaker(engine)):
            result = await action(session)
        return result

    return on


def _cells(row: keys.KeyOut) -> tuple[str, ...]:
    return (
        row.prefix,
        row.name,
        row.scope.value,
        f"{row.created_at:%Y-%m-%d %H:%M}",
        f"{row.expires_at:%Y-%m-%d}" if row.expires_at else "never",
        f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
    )


def show_keys(rows: list[keys.KeyOut]) -> None:
    """The keys as a table when the terminal is wide enough for every cell whole; otherwise
    one block per key, so a prefix is never cut short (`keys revoke` takes it as shown)."""
    table = Table(*COLUMNS)
    for row in rows:
        table.add_row(*_cells(row))
    unbounded = console.options.update_width(10_000)  # the width every cell whole needs
    if console.measure(table, options=unbounded).maximum <= console.width:
        console.print(table)
        return
    for row in rows:
        prefix, *rest = _cells(row)
        console.print(prefix, soft_wrap=True, highlight=False)
        for name, value in zip(COLUMNS[1:], rest, strict=True):
            if value:
                console.print(f"  {name}: {value}", highlight=False, markup=False)


def _prefix_or_id(given: str) -> str:
    """What `keys revoke` was given, as the prefix or id to look up: surrounding blanks are
    dropped, and a whole key (`cg_<prefix>_<secret>`) stands for its prefix."""
    given = given.strip()
    parts = given.split("_", 2)
    if len(parts) == 3 and parts[0] == keys.KEY_PREFIX:
        return f"{parts[0]}_{parts[1]}"
    return given


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. ingest-bot.")],
    scope: Annotated[keys.Scope, typer.Option(help="read, write or admin.")] = keys.Scope.write,
    expires_in_days: Annotated[
        int | None, typer.Option(help="Days until the key stops working (default: never).")
    ] = None,
) -> None:
    """Make an API key and print it once: only its hash is stored."""
    expires = timedelta(days=expires_in_days) if expires_in_days else None
    new = run(_in_session(lambda s: keys.create_key(s, name=name, scope=scope, expires_in=expires)))
    show_keys([new])
    console.print("key (shown once, store it now):")
    print(new.key)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys by prefix, scope and state (never the keys themselves)."""
    listed, _ = run(_in_session(keys.list_keys))
    show_keys(listed)


@keys_cli.command("revoke")
def keys_revoke(
    key: Annotated[
        str, typer.Argument(help="The key's prefix (cg_…) as listed, its id, or the key.")
    ],
) -> None:
    """Revoke a key; it stops working at once."""
    ident = _prefix_or_id(key)
    try:
        row = run(_in_session(lambda s: keys.revoke_key(s, ident)))
    except NotFound as exc:
        raise CliError(f"no key {ident}: `claimgraph keys list` shows every key") from exc
    show_keys([row])
