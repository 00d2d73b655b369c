"""Each source's origins, kept in `source_origins` as citations change, so that a claim's
provenance reads them with one indexed lookup instead of walking the citation graph for every
request.

An origin is where a chain of citations ends. A source that cites nothing is its own origin;
sources that only cite each other in a loop (a strongly connected component that no citation
leaves) are one origin together, named by the least id among them: circular reporting counts
once. A source's origins are the origins of everything its citations lead to. Only a source
that cites something has rows; one that cites nothing has itself as its only origin.

A source's origins depend on everything its citations lead to, so a citation made or removed
by source S changes the origins of S and of every source whose chains lead to S, and of no
other: `refresh_origins` recomputes those. Deleting a source needs nothing: nothing cites it
(the database refuses otherwise), and its own rows go with it (ON DELETE CASCADE).
"""

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    Uuid,
    any_,
    bindparam,
    cast,
    delete,
    distinct,
    func,
    insert,
    null,
    select,
    true,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.lookup import chunks
from app.db.statements import built_once, select_rows
from app.models import Citation, Source, SourceOrigin
from app.sources.graph import Citations, origins_of

# Ids per statement where they are sent as a list (SQLite's IN, and the walks' starts).
CHUNK = 500
# Rows per INSERT on PostgreSQL, sent as two arrays.
WRITE_CHUNK = 20_000
# Citations read per statement by a full rebuild.
READ_PAGE = 20_000
# Past this many sources to recompute, or half of those that cite anything (an import into a
# database of few citations, whose walks would reach most of the graph chunk by chunk),
# reading every citation once costs less than walking from each chunk of them.
REBUILD_ABOVE = 20_000
# The transaction-level advisory lock that orders writers of the table on PostgreSQL (an
# arbitrary constant of this table's own).
LOCK_KEY = 0x5052_4F56  # "PROV"


@built_once
def _walk(postgres: bool, upward: bool) -> Any:
    """Every source reached from the sources `ids` by following citations forward (to what
    they cite) or back (`upward`, to what cites them), as (source, the source it was reached
    from; none for the starts). UNION ends the walk at loops.

    On PostgreSQL each step looks its sources' citations up by index through a LATERAL
    subquery (OFFSET 0 keeps it from being flattened): as a join, the planner hashes the whole
    of `citations` at every step of a chain."""
    near, far = (
        (Citation.cited_source_id, Citation.source_id)
        if upward
        else (Citation.source_id, Citation.cited_source_id)
    )
    starts = select(Source.id.label("node"), cast(null(), Uuid).label("via")).where(
        Source.id.in_(bindparam("ids", expanding=True))
    )
    reach = starts.cte("reach", recursive=True)
    if postgres:
        lookup = (
            select(far.label("node"), near.label("via"))
            .where(near == reach.c.node)
            .offset(0)
            .lateral()
        )
        step = select(lookup.c.node, lookup.c.via).select_from(reach).join(lookup, true())
    else:
        step = select(far, near).join(reach, near == reach.c.node)
    reach = reach.union(step)
    return select(reach.c.node, reach.c.via)


async def _reach(
    session: AsyncSession, ids: Collection[uuid.UUID], *, upward: bool
) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    statement = _walk(_is_postgres(session), upward)
    rows: list[tuple[uuid.UUID, uuid.UUID | None]] = []
    for part in chunks(sorted(ids), CHUNK):
        rows.extend(
            (node, via) for node, via in await select_rows(session, statement, {"ids": part})
        )
    return rows


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _lock(session: AsyncSession) -> None:
    """On PostgreSQL, one writer of origins at a time, until its transaction ends: each
    recomputes from the citations committed when it gets the lock (its own included), so a
    later writer never keeps what an earlier one computed without the later's citations.
    SQLite's writer already holds the database's write lock."""
    if _is_postgres(session):
        await session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))


async def _write(
    session: AsyncSession,
    found: Iterable[tuple[uuid.UUID, Iterable[uuid.UUID]]],
    replaced: Collection[uuid.UUID] | None,
) -> None:
    """Replace the rows of the sources `replaced` (every row when None) with `found`'s
    (sources with their origins)."""
    connection = await session.connection()
    postgres = _is_postgres(session)
    if replaced is None:
        await connection.execute(delete(SourceOrigin))
    elif postgres:
        ids = bindparam("ids", type_=ARRAY(Uuid))
        await connection.execute(
            delete(SourceOrigin).where(SourceOrigin.source_id == any_(ids)),
            {"ids": list(replaced)},
        )
    else:
        for part in chunks(list(replaced), CHUNK):
            await connection.execute(delete(SourceOrigin).where(SourceOrigin.source_id.in_(part)))
    # Two arrays a statement on PostgreSQL: one row of parameters per origin would be a
    # round trip each. The rows are made a chunk at a time: all at once, after a full
    # rebuild, they would be a large import's peak of memory.
    statement = insert(SourceOrigin).from_select(
        ["source_id", "origin_id"],
        select(
            func.unnest(bindparam("sources", type_=ARRAY(Uuid))),
            func.unnest(bindparam("origins", type_=ARRAY(Uuid))),
        ),
    )
    for sources, origins in _pair_chunks(found):
        if postgres:
            await connection.execute(statement, {"sources": sources, "origins": origins})
        else:
            rows = [{"source_id": s, "origin_id": o} for s, o in zip(sources, origins, strict=True)]
            await connection.execute(insert(SourceOrigin), rows)


def _pair_chunks(
    found: Iterable[tuple[uuid.UUID, Iterable[uuid.UUID]]],
) -> Iterator[tuple[list[uuid.UUID], list[uuid.UUID]]]:
    """`found`'s (source, origin) rows, WRITE_CHUNK at a time, as a list of each column."""
    sources: list[uuid.UUID] = []
    origins: list[uuid.UUID] = []
    for source, its in found:
        for origin in its:
            sources.append(source)
            origins.append(origin)
        if len(sources) >= WRITE_CHUNK:
            yield sources, origins
            sources, origins = [], []
    if sources:
        yield sources, origins


async def rebuild_origins(session: AsyncSession) -> None:
    """Every source's origins computed afresh from every citation (after a bulk change)."""
    await _lock(session)
    await _rebuild(session)


# A full rebuild's numbering of the sources that its citations name, in id order (see
# app/sources/graph.py): the database maps ids to numbers and back, so that the rebuild holds
# numbers rather than a Python object and a dictionary entry per source.
_NUMBERED = Table(
    "rebuild_source_numbers",
    MetaData(),
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("id", Uuid, nullable=False, unique=True),
    prefixes=["TEMPORARY"],
)
_CITING, _CITED = _NUMBERED.alias("citing"), _NUMBERED.alias("cited")


def _number_sources() -> Any:
    ends = union(
        select(Citation.source_id.label("id")), select(Citation.cited_source_id.label("id"))
    ).subquery()
    numbered = select(func.row_number().over(order_by=ends.c.id) - 1, ends.c.id)
    return insert(_NUMBERED).from_select(["n", "id"], numbered)


@built_once
def _citations_after(first: bool) -> Any:
    """A page of citations in id order (after the id `after`, unless the first), as the
    numbers of the citing and the cited source."""
    statement = (
        select(Citation.id, _CITING.c.n, _CITED.c.n)
        .join(_CITING, _CITING.c.id == Citation.source_id)
        .join(_CITED, _CITED.c.id == Citation.cited_source_id)
    )
    if not first:
        statement = statement.where(Citation.id > bindparam("after", type_=Uuid))
    return statement.order_by(Citation.id).limit(bindparam("limit"))


@built_once
def _numbers_from() -> Any:
    """A page of the numbered sources' ids, in number order from `first`."""
    return (
        select(_NUMBERED.c.id)
        .where(_NUMBERED.c.n >= bindparam("first"))
        .order_by(_NUMBERED.c.n)
        .limit(bindparam("limit"))
    )


async def _rebuild(session: AsyncSession) -> None:
    """Every citation read a page at a time (all at once, the rows and the driver's buffer
    would be a large import's peak of memory), as numbers, into a compact graph; the ids
    kept as 16 bytes each for the rows written."""
    connection = await session.connection()
    await connection.run_sync(_NUMBERED.create)
    await connection.execute(_number_sources())
    size = 0
    ids = bytearray()
    while True:
        rows = await select_rows(session, _numbers_from(), {"first": size, "limit": READ_PAGE})
        for (source_id,) in rows:
            ids += source_id.bytes
        size += len(rows)
        if len(rows) < READ_PAGE:
            break
    graph = Citations(size)
    after: uuid.UUID | None = None
    while True:
        params: dict[str, object] = {"limit": READ_PAGE}
        if after is not None:
            params["after"] = after
        rows = await select_rows(session, _citations_after(after is None), params)
        for _, citing, cited in rows:
            graph.add(citing, cited)
        if len(rows) < READ_PAGE:
            break
        after = rows[-1][0]
    del rows
    await connection.run_sync(_NUMBERED.drop)

    def id_of(n: int) -> uuid.UUID:
        return uuid.UUID(bytes=bytes(ids[16 * n : 16 * n + 16]))

    found = graph.origins()
    await _write(session, ((id_of(n), map(id_of, its)) for n, its in found.pairs()), None)


async def refresh_origins(session: AsyncSession, citing: Collection[uuid.UUID]) -> None:
    """Bring the origins up to date after citations made by the sources `citing` were
    created or deleted (in this transaction, flushed): theirs and those of every source whose
    chains lead to them are recomputed."""
    if not citing:
        return
    await _lock(session)
    affected = {node for node, _ in await _reach(session, citing, upward=True)}
    if len(affected) > REBUILD_ABOVE:
        await _rebuild(session)
        return
    cites: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for node, via in await _reach(session, affected, upward=False):
        if via is not None:
            cites[via].add(node)
    found = origins_of(cites)
    await _write(session, ((s, found[s]) for s in affected if s in found), affected)


async def refresh_origins_since(session: AsyncSession, since: Any) -> None:
    """`refresh_origins` for the sources that made the citations created at or after
    `since` (a bulk import's, created with its start time)."""
    since_then, citing_sources = Citation.created_at >= since, distinct(Citation.source_id)
    # Counted first: a rebuild needs no list of the citing sources (a large import's would be
    # held, an object each, through the rebuild's peak of memory).
    counts = select(func.count(citing_sources).filter(since_then), func.count(citing_sources))
    citing, every = (await select_rows(session, counts))[0]
    if citing > REBUILD_ABOVE or 2 * citing > every:
        await rebuild_origins(session)
        return
    statement = select(Citation.source_id).where(since_then).distinct()
    await refresh_origins(session, [row[0] for row in await select_rows(session, statement)])
