"""Alembic environment: runs migrations on a connection handed in, or on DATABASE_URL."""

import asyncio
import logging.config

from alembic import context
from sqlalchemy.engine import Connection

from app.db.engines import create_engine
from app.models import Base
from app.models.search import include_object
from app.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(get_settings().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

shared: Connection | None = config.attributes.get("connection")
if shared is not None:
    run_on(shared)
else:
    asyncio.run(run_online())
