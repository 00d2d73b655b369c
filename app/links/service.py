"""Owned links of every kind: create, list, read, change, delete. Each function takes the
kind's `LinkKind`; the owner is checked the same way for every kind."""

import uuid

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.batches import Write
from app.db.paging import PageParams, keyset, split_page
from app.errors import Duplicate
from app.links import rules
from app.links.kind import Edit, LinkKind, New, Out, Row
from app.links.writes import NewLink, create_links, layout
from app.records import changed_fields, load_owned, refuse_taken, require, require_ids, save_change


def _end_id(row: object, column_key: str) -> uuid.UUID:
    value: uuid.UUID = getattr(row, column_key)
    return value


async def _refuse_duplicate(
    session: AsyncSession,
    kind: LinkKind[Row, New, Edit, Out],
    row: Row,
    *,
    exclude: uuid.UUID | None,
) -> None:
    """409 naming a link (other than `exclude`) already recorded between the same records
    and alike in `distinct_by`."""
    same: list[ColumnElement[bool]] = [
        kind.owner.column == _end_id(row, kind.owner.key),
        kind.other.column == _end_id(row, kind.other.key),
    ]
    for column in kind.distinct_by:
        value = getattr(row, column.key)
        same.append(column.is_(None) if value is None else column == value)
    await refuse_taken(
        session, kind.model, f"this {kind.entity} is already recorded", *same, exclude=exclude
    )


async def create(
    session: AsyncSession,
    kind: LinkKind[Row, New, Edit, Out],
    owner_id: uuid.UUID,
    data: New,
    *,
    by: str | None,
) -> Out:
    """The new link from the owner: 404 for an unknown owner, 422 for an unknown other end
    or a link to the owner itself, 409 for a link already recorded."""
    await require(session, kind.owner.model, owner_id, kind.owner.entity)
    other_id = getattr(data, kind.other.key)
    rules.check_not_self(kind, owner_id, other_id)  # before the other end is looked for
    await require_ids(session, kind.other.model, [other_id], kind.other.key, kind.other.entity)
    (outcome,) = await create_links(session, kind, [NewLink(owner_id, data)], Write(by))
    if outcome.error is not None:
        raise outcome.error
    if not outcome.created:
        detail = f"this {kind.entity} is already recorded"
        raise Duplicate(detail, existing_id=outcome.repeats[0]["id"])
    if kind.follow is not None:
        await kind.follow(session, owner_id)
    return kind.out_schema.model_validate(outcome.values)


async def list_links(
    session: AsyncSession,
    kind: LinkKind[Row, New, Edit, Out],
    owner_id: uuid.UUID,
    page: PageParams,
    *,
    direction: str = "both",
    link_kind: str | None = None,
) -> tuple[list[Out], str | None]:
    """One page of the links from the record (`outgoing`), to it (`incoming`) or both, in
    creation order, optionally of one kind; and the next cursor."""
    await require(session, kind.owner.model, owner_id, kind.owner.entity)
    ends = []
    if direction in ("outgoing", "both"):
        ends.append(kind.owner.column == owner_id)
    if direction in ("incoming", "both"):
        ends.append(kind.other.column == owner_id)
    stmt = select(kind.model).where(or_(*ends))
    if link_kind is not None:
        stmt = stmt.where(kind.model.kind == link_kind)
    found = await session.scalars(keyset(stmt, kind.model.id, page))
    rows, cursor = split_page(list(found.all()), page)
    return [kind.out_schema.model_validate(r) for r in rows], cursor


async def _load(
    session: AsyncSession,
    kind: LinkKind[Row, New, Edit, Out],
    owner_id: uuid.UUID,
    link_id: uuid.UUID,
    other_end: str | None = None,
) -> Row:
    owner = (kind.owner.key, owner_id)
    return await load_owned(
        session, kind.model, link_id, kind.entity, owner=owner, other_end=other_end
    )


async def get(
    session: AsyncSession,
    kind: LinkKind[Row, New, Edit, Out],
    owner_id: uuid.UUID,
    link_id: uuid.UUID,
) -> Out:
    """The link, found under either of its ends (as the lists show it); else a 404."""
    return kind.out_schema.model_validate(
        await _load(session, kind, owner_id, link_id, other_end=kind.other.key)
    )


async def update(
    session: AsyncSession,
    kind: LinkKind[Row, New, Edit, Out],
    owner_id: uuid.UUID,
    link_id: uuid.UUID,
    data: Edit,
) -> Out:
    """The link after the change, which only its owner may make. Its ends never change; a
    change making it the same as another link is a 409."""
    row = await _load(session, kind, owner_id, link_id)  # found under its owner alone
    for name, value in changed_fields(data).items():
        setattr(row, name, value)
    kind.check({name: getattr(row, name) for name in layout(kind).columns})
    await _refuse_duplicate(session, kind, row, exclude=row.id)
    await save_change(session, row)
    return kind.out_schema.model_validate(row)


async def delete(
    session: AsyncSession,
    kind: LinkKind[Row, New, Edit, Out],
    owner_id: uuid.UUID,
    link_id: uuid.UUID,
) -> None:
    """Delete the link, which only its owner may do."""
    row = await _load(session, kind, owner_id, link_id)  # found under its owner alone
    await session.delete(row)
    await session.flush()
    if kind.follow is not None:
        await kind.follow(session, owner_id)
