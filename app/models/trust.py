"""Tables behind the service's own guarantees: API keys, the change history, idempotent
retries and rate-limit windows."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow

# A 64-bit integer key on PostgreSQL; SQLite needs INTEGER PRIMARY KEY to autoincrement.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Document = JSON().with_variant(JSONB(), "postgresql")
# A change's snapshot; None is SQL NULL (not JSON null), as a create stores no `after`.
Snapshot = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class ApiKey(IdMixin, Base):
    """A bearer key. Only its SHA-256 is stored; the prefix identifies it in listings."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ChangeBatch(Base):
    """Who wrote a batch of changes, and in which request: the same for every change one
    transaction (or one batch of an import) records, so stored once for all of them."""

    __tablename__ = "change_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    writer: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(64))


class Change(Base):
    """One change to one record: who made it (its batch), when, and the record before and
    after. Written in the same transaction as the change itself."""

    __tablename__ = "changes"
    __table_args__ = (
        # A record's changes, found by its id alone: ids are UUIDs, no two records share one,
        # and a record has few changes (read and sorted by id, the entity checked on each).
        Index(None, "entity_id"),
        # Keys that only grow: the pages are packed full on PostgreSQL (migration 0019, which
        # packs the primary key too).
        Index(None, "txid", "id", postgresql_with={"fillfactor": 100}),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[uuid.UUID]
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The writing transaction (PostgreSQL); the change feed hands out only changes whose
    # transactions have all committed, in commit-safe order. Always 0 on SQLite, whose single
    # writer commits in id order.
    txid: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    before: Mapped[dict[str, object] | None] = mapped_column(Snapshot)
    # Null for a create whose record as created the history reads back (app/history).
    after: Mapped[dict[str, object] | None] = mapped_column(Snapshot)
    # Null when neither a writer nor a request is known. No foreign key: a batch is written
    # before its changes and never deleted, and a key would look it up for every change row.
    batch_id: Mapped[int | None] = mapped_column(BigId)


class IdempotentRequest(Base):
    """The first response to a POST carrying an Idempotency-Key, replayed for retries."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (Index(None, "created_at"),)

    owner: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None]
    headers: Mapped[dict[str, str] | None] = mapped_column(Document)
    body: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceSecret(Base):
    """A secret the service keeps for itself (the key that signs cursors), made by the
    migration and shared by every process on the database."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class RateWindow(Base):
    """Requests counted per key per fixed window (shared by every worker)."""

    __tablename__ = "rate_windows"

    owner: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


__all__ = ["ApiKey", "Change", "ChangeBatch", "IdempotentRequest", "RateWindow", "ServiceSecret"]
