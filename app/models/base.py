"""Declarative base, naming convention, and column types shared by every table."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar, Literal, TypeVar

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator
from uuid_utils.compat import uuid7

# Constraint names are fixed so that SQLite and PostgreSQL migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


T = TypeVar("T")
# PostgreSQL's type oid of `timestamp with time zone`, as a driver describes a column.
TIMESTAMPTZ_OID = 1184


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7, so primary-key order is creation order."""
    return uuid7()


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that reads back aware on SQLite too (stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: object, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):  # None: the drivers return datetimes or None
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[object], datetime | None] | None:
        # asyncpg reads a timestamptz as an aware datetime in UTC already: nothing to do for
        # each value (an expression may still compute a timestamp without time zone).
        if dialect.driver == "asyncpg" and coltype == TIMESTAMPTZ_OID:
            return None
        return super().result_processor(dialect, coltype)


class ListArray(TypeDecorator[list[T]]):
    """A one-dimensional PostgreSQL array, read as a list. asyncpg reads one as a list
    already, which `ARRAY` would copy, unless its items need converting."""

    impl = ARRAY
    cache_ok = True

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[object], list[T] | None] | None:
        array = self.impl_instance
        if dialect.driver == "asyncpg" and isinstance(array, ARRAY):
            item = array.item_type.dialect_impl(dialect)
            if item.result_processor(dialect, coltype) is None:
                return None
        return super().result_processor(dialect, coltype)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[type, type[TypeDecorator[datetime]]]] = {
        datetime: UTCDateTime
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)


class Versioned(IdMixin):
    """A top-level record: id, creation and update times, a version bumped on every change."""

    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), sort_order=10
    )
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now(), sort_order=10
    )
    # Every UPDATE and DELETE is conditional on the version the session loaded (services
    # bump it), so a concurrent change makes the second writer fail instead of overwrite.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", sort_order=10)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}  # type: ignore[attr-defined]


def key_to(table: str, ondelete: Literal["CASCADE", "RESTRICT"]) -> MappedColumn[uuid.UUID]:
    """A primary-key column that refers to a record of `table`: CASCADE where the row belongs
    to that record (it goes with it), RESTRICT where the row names a record that must stay
    while it is named."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete=ondelete), primary_key=True)


def refers_to(table: str, ondelete: Literal["CASCADE", "RESTRICT"]) -> MappedColumn[uuid.UUID]:
    """A column that refers to a record of `table`, with `key_to`'s meaning of `ondelete`."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete=ondelete))


def link_constraints(
    owner: str, other: str, kinds: type[StrEnum], *distinct: str
) -> tuple[CheckConstraint | UniqueConstraint | Index, ...]:
    """What every link table between two records of one table holds to: a `kind` from its
    vocabulary, never a record linked to itself, one link per pair and kind (and `distinct`
    columns), and an index to find the links to a record from the other end."""
    return (
        CheckConstraint(sql_in("kind", kinds), name="kind"),
        CheckConstraint(f"{owner} <> {other}", name="not_self"),
        UniqueConstraint(owner, other, "kind", *distinct),
        Index(None, other),
    )


def sql_in(column: str, values: type[StrEnum]) -> str:
    """A CHECK constraint body restricting `column` to an enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"
