"""Small pieces every service uses: loading by id, reference checks, partial updates."""

import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, FromClause, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.base import ExecutableOption

from app.db.statements import Statement, built_once, select_rows
from app.errors import DomainError, Duplicate, NotFound, StillReferenced, UnknownReference
from app.models import Change
from app.models.base import Base, IdMixin

M = TypeVar("M", bound=Base)


async def load(
    session: AsyncSession,
    model: type[M],
    ident: uuid.UUID,
    entity: str,
    *options: ExecutableOption,
    for_update: bool = False,
) -> M:
    """The row with this id, or NotFound (a 404 naming the entity)."""
    stmt = select(model).where(model.id == ident).options(*options)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.scalars(stmt)).one_or_none()
    if row is None:
        await raise_gone_if_deleted(session, entity, ident)
        raise NotFound(entity, ident)
    return row


async def refuse_taken(
    session: AsyncSession,
    model: type[IdMixin],
    detail: str,
    *where: ColumnElement[bool],
    exclude: uuid.UUID | None = None,
) -> None:
    """409 naming the record of `model` that `where` finds, other than `exclude` (the record
    being changed): a natural key that must stay unique is taken."""
    stmt = select(model.id).where(*where)
    if exclude is not None:
        stmt = stmt.where(model.id != exclude)
    existing = await session.scalar(stmt)
    if existing is not None:
        raise Duplicate(detail, existing_id=existing)


@built_once
def _id_statement(table: FromClause) -> Statement:
    return select(table.c.id).where(table.c.id == bindparam("id", type_=table.c.id.type))


async def require(session: AsyncSession, model: type[Base], ident: uuid.UUID, entity: str) -> None:
    """NotFound (404), or Gone (410) if deleted, unless the row with this id exists: for
    reads that need to know only that (`load` builds an ORM object to throw away). The
    statement is built once, so a GET runs it on the driver (`select_rows`)."""
    if not await select_rows(session, _id_statement(model.__table__), {"id": ident}):
        await raise_gone_if_deleted(session, entity, ident)
        raise NotFound(entity, ident)


HISTORY_PATHS = {"actor": "actors", "source": "sources", "claim": "claims", "stance": "stances"}


class Gone(DomainError, status=410, type="deleted", title="Deleted"):
    """A record that was deleted; its history remains."""


async def raise_gone_if_deleted(session: AsyncSession, entity: str, ident: uuid.UUID) -> None:
    """A deleted record is a tombstone, not a gap: 410 with a link to its history."""
    name = entity.replace(" ", "_")
    deleted_at = await session.scalar(
        select(Change.at).where(
            Change.entity == name, Change.entity_id == ident, Change.action == "delete"
        )
    )
    if deleted_at is not None:
        path = HISTORY_PATHS.get(name)
        error = Gone(
            f"the {entity} {ident} was deleted at {deleted_at.isoformat()}",
            deleted_at=deleted_at.isoformat(),
            history=f"/v1/{path}/{ident}/history" if path else None,
        )
        if path:
            error.headers = {"Link": f'</v1/{path}/{ident}/history>; rel="history"'}
        raise error


async def load_owned(
    session: AsyncSession,
    model: type[M],
    ident: uuid.UUID,
    entity: str,
    *,
    owner: tuple[str, uuid.UUID],
    other_end: str | None = None,
) -> M:
    """A sub-record addressed under its owner's path; a 404 if it belongs to another owner.
    With `other_end` (reads), a link is found under the record at either of its ends, as the
    owner's list shows it with `direction=incoming` too."""
    row = await load(session, model, ident, entity, for_update=other_end is None)
    ends = (owner[0],) if other_end is None else (owner[0], other_end)
    if all(getattr(row, end) != owner[1] for end in ends):
        raise NotFound(entity, ident)
    return row


async def require_ids(
    session: AsyncSession,
    model: type[Base],
    ids: Iterable[uuid.UUID | None],
    field: str,
    entity: str,
) -> None:
    """Raise a 422 naming `field` unless every non-null id exists."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return
    id_col: InstrumentedAttribute[uuid.UUID] = model.id  # type: ignore[attr-defined]
    found = set((await session.scalars(select(id_col).where(id_col.in_(wanted)))).all())
    missing = sorted(wanted - found, key=str)
    if missing:
        raise UnknownReference(field, entity, missing[0])


async def refuse_if_referenced(
    session: AsyncSession,
    entity: str,
    ident: uuid.UUID,
    references: Iterable[tuple[str, InstrumentedAttribute[uuid.UUID | None]]],
) -> None:
    """Raise 409 naming what still points at this record, rather than cascading it away."""
    counts: dict[str, int] = {}
    for label, column in references:
        n = await session.scalar(select(func.count()).where(column == ident))
        if n:
            counts[label] = int(n)
    if counts:
        what = ", ".join(f"{n} {label}" for label, n in counts.items())
        raise StillReferenced(
            f"{entity} {ident} is still referenced by {what}; delete or re-point those first",
            references=counts,
        )


async def delete_unreferenced(
    session: AsyncSession,
    model: type[M],
    ident: uuid.UUID,
    entity: str,
    references: Iterable[tuple[str, InstrumentedAttribute[uuid.UUID | None]]],
    before: Callable[[AsyncSession, uuid.UUID], Awaitable[None]] | None = None,
) -> None:
    """Delete the record (404 if there is none), or 409 naming what still points at it: the
    `references`, as `refuse_if_referenced` counts them. Its own sub-records go with it;
    `before` runs once the deletion is sure, the record locked, just before it."""
    row = await load(session, model, ident, entity, for_update=True)
    await refuse_if_referenced(session, entity, ident, references)
    if before is not None:
        await before(session, ident)
    await session.delete(row)
    await session.flush()


class Versioned(Protocol):
    version: int


async def save_change(session: AsyncSession, row: Versioned) -> None:
    """Write a changed record, with its next version if the change changed it: a PATCH that
    sets fields to the values they have makes no new version (and no history entry)."""
    if session.is_modified(row):
        row.version += 1
    await session.flush()


def changed_fields(data: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body actually set (omitted ones are left alone), each of its own
    type: the caller assigns them to the record's attributes of the same names."""
    return {name: getattr(data, name) for name in data.model_fields_set}
