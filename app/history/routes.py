"""Reading the history: a record's changes, and the feed of all changes for mirroring."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.paging import PageParams
from app.history.rebuild import created_afters
from app.http.deps import PagingDep, SessionDep
from app.http.pagination import cursors_of, list_scope
from app.http.problem_docs import problem_responses
from app.models import Actor, Change, ChangeBatch, Claim, Source, Stance
from app.paths import RecordIdPath
from app.records import load
from app.schemas import Page
from app.vocabulary import EntityType

router = APIRouter(tags=["history"])


class ChangeOut(BaseModel):
    """One change to one record."""

    id: int = Field(description="Position of the change in the history.")
    entity: str = Field(
        description="actor, affiliation, source, citation, claim, claim_relation or stance."
    )
    entity_id: uuid.UUID = Field(description="The record's id.")
    version: int = Field(
        description="The record's version after the change (for a delete, the tombstone's)."
    )
    action: str = Field(description="create, update, delete, retract or unretract.")
    writer: str | None = Field(
        description="Who made it: `key:<prefix>` of the API key, or the command that ran."
    )
    request_id: str | None = Field(description="The HTTP request that made it (X-Request-ID).")
    at: datetime = Field(description="When it was made.")
    before: dict[str, object] | None = Field(description="The record before; null for a create.")
    after: dict[str, object] | None = Field(description="The record after; null for a delete.")


class ChangeFeed(BaseModel):
    """A page of the change feed."""

    items: list[ChangeOut] = Field(description="Changes in commit-safe order.")
    next_cursor: str = Field(
        description="Pass as `since` to continue; returned even when no change is new, so a "
        "poller keeps its place."
    )


async def _batches(
    session: AsyncSession, rows: Sequence[Change]
) -> dict[int | None, tuple[str | None, str | None]]:
    """The writer and request of each batch the changes name, by batch id (None: neither)."""
    batches: dict[int | None, tuple[str | None, str | None]] = {None: (None, None)}
    ids = {row.batch_id for row in rows if row.batch_id is not None}
    if ids:
        found = await session.execute(
            select(ChangeBatch.id, ChangeBatch.writer, ChangeBatch.request_id).where(
                ChangeBatch.id.in_(ids)
            )
        )
        batches.update((i, (writer, request_id)) for i, writer, request_id in found.all())
    return batches


async def _out(session: AsyncSession, rows: Sequence[Change]) -> list[ChangeOut]:
    """The changes as the API gives them: each with its batch's writer and request, and
    creates that store no snapshot with the record as created (app/history/rebuild.py)."""
    afters = await created_afters(session, rows)
    batches = await _batches(session, rows)
    out = []
    for row in rows:
        writer, request_id = batches[row.batch_id]
        out.append(
            ChangeOut(
                id=row.id,
                entity=row.entity,
                entity_id=row.entity_id,
                version=row.version,
                action=row.action,
                writer=writer,
                request_id=request_id,
                at=row.at,
                before=row.before,
                after=afters.get(row.id, row.after),
            )
        )
    return out


async def record_history(
    session: AsyncSession, entity: str, entity_id: uuid.UUID, page: PageParams
) -> tuple[list[ChangeOut], str | None]:
    """A record's changes, oldest first (its tombstone last if it was deleted)."""
    stmt = select(Change).where(Change.entity == entity, Change.entity_id == entity_id)
    if page.key is not None:
        stmt = stmt.where(Change.id > page.key_as(int)[0])
    rows = list((await session.scalars(stmt.order_by(Change.id).limit(page.limit + 1))).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return await _out(session, rows), page.cursor(rows[-1].id) if more else None


async def recent_changes(session: AsyncSession, limit: int) -> list[ChangeOut]:
    """The latest changes to any record, newest first: what a person browsing wants to see
    (a mirror polls `/v1/changes` instead, oldest first and never skipping one)."""
    rows = await session.scalars(select(Change).order_by(Change.id.desc()).limit(limit))
    return await _out(session, rows.all())


def _history_route(
    resource: str, entity: str, model: type[Actor | Source | Claim | Stance]
) -> None:
    async def history(
        record_id: RecordIdPath,
        session: SessionDep,
        paging: PagingDep,
    ) -> Page[ChangeOut]:
        items, cursor = await record_history(session, entity, record_id, paging.page)
        if not items and paging.page.key is None:
            # No change recorded: a record that exists (written before history was kept)
            # has an empty history; an id that never existed is a 404.
            await load(session, model, record_id, entity)
        return paging.answer(items, cursor)

    history.__doc__ = (
        f"Every change to the {entity.replace('_', ' ')}: who made it, when, in which "
        "request, and the record before and after. A deleted record keeps its history, ending "
        "in a `delete` tombstone."
    )
    router.add_api_route(
        f"/v1/{resource}/{{record_id}}/history",
        history,
        methods=["GET"],
        operation_id=f"get_{entity}_history",
        summary=f"History of a{'n' if entity[0] in 'aeiou' else ''} {entity}",
        tags=[resource],
        responses=problem_responses(404, 422),
    )


for _resource, _entity, _model in (
    ("actors", "actor", Actor),
    ("sources", "source", Source),
    ("claims", "claim", Claim),
    ("stances", "stance", Stance),
):
    _history_route(_resource, _entity, _model)


# The oldest transaction that may still write changes: every transaction with a lower id has
# finished, so its changes are visible to any later statement. Transactions that PostgreSQL
# shows running in another database cannot write here and do not hold the feed back (a long
# transaction elsewhere on a shared server would otherwise stall it); one it cannot place is
# assumed to be ours. A hot standby lists none of the primary's running transactions in
# `pg_snapshot_xip` (it keeps them where `pg_current_snapshot` does not look), and cannot place
# them either: there the horizon is the snapshot's xmin, the oldest of them.
HORIZON = text(
    """
    SELECT CASE WHEN pg_is_in_recovery() THEN pg_snapshot_xmin(snap.s)::text::bigint
    ELSE coalesce(
      (SELECT min(running::text::bigint) FROM pg_snapshot_xip(snap.s) AS running
       WHERE NOT EXISTS (
         SELECT 1 FROM pg_stat_activity AS a
         WHERE a.datname <> current_database()
           AND a.backend_xid::text = (running::text::bigint % 4294967296)::text)),
      pg_snapshot_xmax(snap.s)::text::bigint) END
    FROM (SELECT pg_current_snapshot() AS s) AS snap
    """
)


@router.get(
    "/v1/changes",
    operation_id="list_changes",
    summary="Feed of all changes",
    responses=problem_responses(422),
)
async def list_changes(
    request: Request,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Changes per page.")] = 100,
    since: Annotated[
        str | None,
        Query(
            max_length=512,
            description="`next_cursor` of the previous poll; from the beginning when omitted.",
        ),
    ] = None,
    entity: Annotated[
        EntityType | None,
        Query(description="Only changes to this kind of record."),
    ] = None,
) -> ChangeFeed:
    """Every change to every record, for services that mirror claimgraph: poll with the last
    `next_cursor` as `since`. Only changes whose transactions have committed are handed out,
    in an order no later commit can slip behind, so a poller never misses one."""
    cursors, scope = cursors_of(request), list_scope(request, "since", "limit")
    position: tuple[int, int] = (0, 0)
    if since:
        page = PageParams(limit=limit, key=cursors.open(scope, since, "since"))
        txid, last_id = page.key_as(int, int)
        position = (txid, last_id)
    stmt = select(Change).where(tuple_(Change.txid, Change.id) > tuple_(*position))
    if session.get_bind().dialect.name == "postgresql":
        # Transactions still open may hold lower ids; stop below the oldest of them.
        stmt = stmt.where(Change.txid < int(await session.scalar(HORIZON)))
    if entity is not None:
        stmt = stmt.where(Change.entity == entity)
    rows = list((await session.scalars(stmt.order_by(Change.txid, Change.id).limit(limit))).all())
    if rows:
        position = (rows[-1].txid, rows[-1].id)
    return ChangeFeed(items=await _out(session, rows), next_cursor=cursors.sign(scope, position))
