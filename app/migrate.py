"""Running Alembic from the app: upgrade, downgrade, and the check that the schema is current."""

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

UPGRADE_HINT = "run `claimgraph db upgrade` (or `alembic upgrade head`) against this database"


class SchemaNotCurrent(RuntimeError):
    """The database's migrations are behind (or ahead of) this version of the code."""


def alembic_config() -> Config:
    """An Alembic config pointing at the installed migrations, with no ini file needed."""
    script_location = Path(str(resources.files("app.migrations")))
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["configure_logging"] = False
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _run(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database up to `revision`."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Migrate the database down to `revision`."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "downgrade", revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def known_revision(revision: str) -> bool:
    """Whether this version of the code has a migration named `revision`."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


async def check_current(engine: AsyncEngine) -> None:
    """Raise SchemaNotCurrent, naming the command that fixes it, unless the schema is at head."""
    current, head = await current_revision(engine), head_revision()
    if current is not None and current != head and not known_revision(current):
        raise SchemaNotCurrent(
            f"database schema is at revision {current}, newer than this claimgraph knows "
            f"(its latest is {head}): upgrade claimgraph to use this database"
        )
    if current != head:
        raise SchemaNotCurrent(
            f"database schema is at revision {current or 'none (empty database)'}, "
            f"this claimgraph needs {head}: {UPGRADE_HINT}"
        )
