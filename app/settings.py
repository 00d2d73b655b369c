"""Configuration from the environment (DATABASE_URL, CLAIMGRAPH_*)."""

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service reads from its environment or a `.env` file."""

    model_config = SettingsConfigDict(env_prefix="CLAIMGRAPH_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./claimgraph.db",
        validation_alias=AliasChoices("DATABASE_URL", "CLAIMGRAPH_DATABASE_URL"),
        description="SQLAlchemy URL; sqlite:///file.db (default) or postgresql://user@host/db.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    db_pool_size: int = 10
    db_echo: bool = False


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
