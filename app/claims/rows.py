"""Reading claims as rows for the read paths: the claims' columns (selected by each page's own
statement), their tags and subjects (columns of the same rows: arrays read from `claim_links`
on PostgreSQL, JSON arrays aggregated by SQLite; else one more statement for any number of
claims), and no ORM objects (loading ORM instances with their collections cost more than the
queries in a list of 50 claims)."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol, TypedDict

import orjson
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    SQLColumnExpression,
    String,
    Uuid,
    any_,
    bindparam,
    cast,
    column,
    func,
    literal,
    null,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import Label
from sqlalchemy.types import TypeDecorator

from app.db.statements import Statement, built_once, columns_of, select_rows
from app.models import Claim, ClaimSubject, ClaimTag
from app.models.base import ListArray

CLAIM_COLUMNS = (
    Claim.id,
    Claim.statement,
    Claim.occurred_from,
    Claim.occurred_to,
    Claim.created_at,
    Claim.updated_at,
    Claim.version,
)


class ClaimRow(Protocol):
    """A row holding CLAIM_COLUMNS."""

    id: uuid.UUID
    statement: str
    occurred_from: datetime | None
    occurred_to: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class ClaimFields(TypedDict):
    """The `ClaimOut` fields, in the model's order, as plain values ready for JSON."""

    created_at: datetime
    updated_at: datetime
    version: int
    id: uuid.UUID
    statement: str
    tags: list[str]
    about_actor_ids: list[uuid.UUID]
    occurred_from: datetime | None
    occurred_to: datetime | None


class _LinkRow(Protocol):
    claim_id: uuid.UUID
    kind: int
    tag: str | None
    actor_id: uuid.UUID | None


def _one_of(postgres: bool, column: SQLColumnExpression[uuid.UUID]) -> ColumnElement[bool]:
    """`column IN :ids`; on PostgreSQL as `= ANY(:ids)`, one array parameter whatever the
    number of ids (an expanding IN renders a parameter per id into the SQL)."""
    if postgres:
        condition: ColumnElement[bool] = column == any_(bindparam("ids", type_=ARRAY(Uuid)))
        return condition
    return column.in_(bindparam("ids", expanding=True))


@built_once
def _links_statement(postgres: bool) -> CompoundSelect[*tuple[object, ...]]:
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
    statement = _links_statement(is_postgres(session))
    links: Sequence[_LinkRow] = await select_rows(session, statement, {"ids": list(ids)})
    for link in links:
        if link.kind == 0 and link.tag is not None:
            tags[link.claim_id].append(link.tag)
        elif link.actor_id is not None:
            subjects[link.claim_id].append(link.actor_id)
    return tags, subjects


# PostgreSQL: each claim's tags (by name) and subject actors (in order) as two arrays of one
# row (migration 0008, kept in step with `claim_tags` and `claim_subjects` by triggers).
CLAIM_LINKS = table(
    "claim_links",
    column("claim_id", Uuid),
    column("tags", ListArray(String)),
    column("about_actor_ids", ListArray(Uuid)),
)


def link_columns(
    postgres: bool, claim_id: SQLColumnExpression[uuid.UUID]
) -> tuple[Label[list[object]], ...]:
    """On PostgreSQL, the claim's `tags` and `about_actor_ids` as columns of its own row:
    subqueries reading `claim_links` by key, which PostgreSQL runs for the rows a statement
    returns, after its sort and limit. SQLite runs the statement of `claim_links()` instead."""
    if not postgres:
        return ()
    return tuple(
        select(CLAIM_LINKS.c[name])
        .where(CLAIM_LINKS.c.claim_id == claim_id)
        .scalar_subquery()
        .label(name)
        for name in ("tags", "about_actor_ids")
    )


class _JsonTags(TypeDecorator[list[str]]):
    """SQLite: a claim's tags as `json_group_array` gives them, put in name order (SQLite
    3.40 takes no ORDER BY inside an aggregate; Python's order of strings is SQLite's)."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: object, dialect: Dialect) -> list[str]:
        return sorted(orjson.loads(value)) if isinstance(value, str) else []


class _JsonSubjects(TypeDecorator[list[uuid.UUID]]):
    """SQLite: a claim's subject actors as `json_group_array` gives their (position, id)
    pairs, put in position order."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: object, dialect: Dialect) -> list[uuid.UUID]:
        pairs = sorted(orjson.loads(value)) if isinstance(value, str) else []
        return [uuid.UUID(hex=actor_id) for _, actor_id in pairs]


def with_links(
    stmt: Statement, claim_id: SQLColumnExpression[uuid.UUID], *, postgres: bool
) -> Statement:
    """`stmt` with its claims' `tags` and `about_actor_ids`, for statements whose rows are
    already a page. PostgreSQL: outer-joined from `claim_links` (one probe of its key per row,
    which costs less than the two subqueries of `link_columns`). SQLite: each aggregated by
    a subquery on the link tables' keys, in the same statement (a second statement, through
    the engine, cost more than the page's own)."""
    if postgres:
        stmt = stmt.add_columns(CLAIM_LINKS.c.tags, CLAIM_LINKS.c.about_actor_ids)
        return stmt.outerjoin(CLAIM_LINKS, CLAIM_LINKS.c.claim_id == claim_id)
    tags = select(func.json_group_array(ClaimTag.tag, type_=_JsonTags())).where(
        ClaimTag.claim_id == claim_id
    )
    pair = func.json_array(ClaimSubject.position, ClaimSubject.actor_id)
    subjects = select(func.json_group_array(pair, type_=_JsonSubjects()))
    subjects = subjects.where(ClaimSubject.claim_id == claim_id)
    return stmt.add_columns(
        tags.scalar_subquery().label("tags"),
        subjects.scalar_subquery().label("about_actor_ids"),
    )


# The `ClaimOut` fields of a claim's own row, as `_claim_fields` takes them, and its links
# where they are columns of the row too (`link_columns`, `with_links`).
_COLUMNS = (
    "created_at", "updated_at", "version", "id", "statement", "occurred_from", "occurred_to"
)  # fmt: skip
_LINKS = ("tags", "about_actor_ids")


def _claim_fields(
    columns: tuple[Any, ...], tags: list[str] | None, about: list[uuid.UUID] | None
) -> ClaimFields:
    created_at, updated_at, version, claim_id, statement, occurred_from, occurred_to = columns
    return {
        "created_at": created_at,
        "updated_at": updated_at,
        "version": version,
        "id": claim_id,
        "statement": statement,
        "tags": tags or [],
        "about_actor_ids": about or [],
        "occurred_from": occurred_from,
        "occurred_to": occurred_to,
    }


def is_postgres(session: AsyncSession) -> bool:
    """Whether the session's database is PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


async def claims_out(session: AsyncSession, rows: Sequence[ClaimRow]) -> list[ClaimFields]:
    """The `ClaimOut` fields of rows holding CLAIM_COLUMNS, and their links where the rows
    hold them (`link_columns`, `with_links`); else one statement reads them."""
    read = columns_of(rows, _COLUMNS)
    if is_postgres(session) or (rows and hasattr(rows[0], "tags")):
        links = columns_of(rows, _LINKS)
        return [_claim_fields(read(r), *links(r)) for r in rows]
    tags, subjects = await claim_links(session, [r.id for r in rows])
    return [_claim_fields(read(r), tags.get(r.id), subjects.get(r.id)) for r in rows]
