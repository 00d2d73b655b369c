"""Reading claims as rows for the read paths: the claims' columns (selected by each page's own
statement), their tags and subjects in one statement for any number of claims, and no ORM
objects (loading ORM instances with their collections cost more than the queries in a list of
50 claims)."""

import functools
import uuid
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Uuid,
    any_,
    bindparam,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Claim, ClaimSubject, ClaimTag

CLAIM_COLUMNS = (
    Claim.id,
    Claim.statement,
    Claim.occurred_from,
    Claim.occurred_to,
    Claim.created_at,
    Claim.updated_at,
    Claim.version,
)


def _one_of(postgres: bool, column: Any) -> ColumnElement[bool]:
    """`column IN :ids`; on PostgreSQL as `= ANY(:ids)`, one array parameter whatever the
    number of ids (an expanding IN renders a parameter per id into the SQL)."""
    if postgres:
        condition: ColumnElement[bool] = column == any_(bindparam("ids", type_=ARRAY(Uuid)))
        return condition
    return column.in_(bindparam("ids", expanding=True))  # type: ignore[no-any-return]


@functools.cache
def _links_statement(postgres: bool) -> Any:
    """The tags and subjects of the claims given as `ids`, in one statement: built once per
    dialect (building it and its cache key on every request cost more than running it)."""
    links = union_all(
        select(
            ClaimTag.claim_id,
            literal(0).label("kind"),
            ClaimTag.tag,
            cast(null(), Uuid).label("actor_id"),
            literal(0).label("position"),
        ).where(_one_of(postgres, ClaimTag.claim_id)),
        select(
            ClaimSubject.claim_id,
            literal(1),
            cast(null(), String),
            ClaimSubject.actor_id,
            ClaimSubject.position,
        ).where(_one_of(postgres, ClaimSubject.claim_id)),
    )
    by = links.selected_columns
    return links.order_by(by.claim_id, by.kind, by.tag, by.position)


async def claim_links(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[str]], dict[uuid.UUID, list[uuid.UUID]]]:
    """The tags and the subject actors of each of these claims, by claim id."""
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    subjects: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    statement = _links_statement(session.get_bind().dialect.name == "postgresql")
    for claim_id, kind, tag, actor_id, _ in await session.execute(statement, {"ids": list(ids)}):
        if kind == 0:
            tags[claim_id].append(tag)
        else:
            subjects[claim_id].append(actor_id)
    return tags, subjects


def claim_out_fields(
    row: Any, tags: dict[uuid.UUID, list[str]], subjects: dict[uuid.UUID, list[uuid.UUID]]
) -> dict[str, Any]:
    """The `ClaimOut` fields of a row holding CLAIM_COLUMNS, in the model's order."""
    m = row._mapping
    return {
        "created_at": m["created_at"],
        "updated_at": m["updated_at"],
        "version": m["version"],
        "id": m["id"],
        "statement": m["statement"],
        "tags": tags.get(m["id"], []),
        "about_actor_ids": subjects.get(m["id"], []),
        "occurred_from": m["occurred_from"],
        "occurred_to": m["occurred_to"],
    }
