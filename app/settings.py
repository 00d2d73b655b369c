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
    database_read_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_READ_URL", "CLAIMGRAPH_DATABASE_READ_URL"),
        description="Optional PostgreSQL streaming replica for GET requests (reads may lag "
        "writes by the replication delay).",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    # Connections kept open per process. Requests beyond it open overflow connections that
    # close again on return: at 16 concurrent requests a pool of 10 reconnected constantly.
    db_pool_size: int = 20
    db_echo: bool = False
    reads_require_key: bool = Field(
        default=False,
        description="Require a `read` key for GET requests (writes always need a `write` key).",
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest request body accepted (413 above); "
        "`POST /v1/import` streams and is limited by `max_import_bytes` instead.",
    )
    max_import_bytes: int = Field(default=2 * 1024**3, description="Largest import body.")
    max_query_bytes: int = Field(default=4096, description="Longest query string (414 above).")
    statement_timeout_ms: int = Field(
        default=5_000,
        description="Longest a database statement may run in a request (PostgreSQL cancels "
        "it: 503). On SQLite, how long a write waits for another writer's lock (503 after).",
    )
    # Client side: a database that stops answering (a frozen network, a stopped server) is
    # noticed by these waits, not by the server's statement timeout, which it never runs.
    db_command_timeout_ms: int = Field(
        default=6_000,
        gt=0,
        description="Longest the service waits for any answer from PostgreSQL (a statement, "
        "BEGIN, COMMIT, a ping) before it drops the connection and answers 503; above "
        "statement_timeout_ms, so that the server's own cancel comes first.",
    )
    db_connect_timeout_ms: int = Field(
        default=3_000, gt=0, description="Longest a new connection to PostgreSQL may take."
    )
    db_pool_timeout_ms: int = Field(
        default=3_000, gt=0, description="Longest a request waits for a pooled connection."
    )
    # Request side: what a client may take to send a request.
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Longest a client may take to send a request's head (its request line "
        "and header fields), from the connection's opening or the previous response; then "
        "408 and the connection is closed.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        gt=0,
        description="Largest request head (431 above; 414 when the request line alone is).",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a body may take beyond what its size needs at "
        "body_min_bytes_per_second; then 408 and the connection is closed.",
    )
    body_min_bytes_per_second: int = Field(
        default=1024, gt=0, description="The slowest a long body may arrive, on average."
    )
    rate_limit_per_minute: int = Field(
        default=0,
        description="Requests per minute per key (or per client address without a "
        "key); 0 turns rate limiting off.",
    )
    db_pgbouncer: bool = Field(
        default=False,
        description="DATABASE_URL leads to PgBouncer in transaction pooling mode (before 1.21, "
        "or without max_prepared_statements): no statement is kept prepared on a connection, "
        "and the statement timeout is left to the database role (docs/scaling.md).",
    )
    db_read_pgbouncer: bool = Field(default=False, description="The same for DATABASE_READ_URL.")


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
