"""Where the evidence for and against a claim comes from: the sources behind each side, their
citation chains back to primary sources, and how many independent origins each side has."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Uuid, any_, bindparam, cast, func, null, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.answers import (
    CitationEdge,
    ProvenanceOut,
    SideProvenance,
    SourceBrief,
    SourceProvenance,
)
from app.claims.rows import is_postgres
from app.db.statements import built_once, select_rows
from app.models import Citation, Claim, Source, SourceOrigin, Stance
from app.records import require
from app.vocabulary import StanceSide

MAX_SOURCES_PER_SIDE = 500
# Ids are ordered and compared as UUIDs: the order of their text, without making the text.


# A citation as read: (citing source, cited source, kind).
Edge = tuple[uuid.UUID, uuid.UUID, str]


CLAIM_ID = bindparam("claim_id", type_=Uuid)


@built_once
def _per_source() -> Any:
    """The claim's current stances counted by side and source, most first, each source with
    its kept origins (app/sources/origins.py), one row per origin: a source without rows
    cites nothing and is its own origin (its origin here is null)."""
    n = func.count().label("n")
    per = (
        select(Stance.side, Stance.source_id, n)
        .where(Stance.claim_id == CLAIM_ID, Stance.retracted_at.is_(None))
        .group_by(Stance.side, Stance.source_id)
        .subquery("per")
    )
    return (
        select(per.c.side, per.c.source_id, per.c.n, SourceOrigin.origin_id)
        .outerjoin(SourceOrigin, SourceOrigin.source_id == per.c.source_id)
        .order_by(per.c.n.desc(), per.c.source_id, per.c.side)
    )


@dataclass(frozen=True, slots=True)
class ClaimOrigins:
    """The sources behind the claim's current stances and where they come from."""

    # By side, the sources and their stances on that side, most first.
    by_side: dict[StanceSide, list[tuple[uuid.UUID, int]]]
    # Each of those sources' origins, in id order.
    origins: dict[uuid.UUID, list[uuid.UUID]]

    def side_origins(self, side: StanceSide) -> set[uuid.UUID]:
        """The side's independent origins: those of every source behind it."""
        return {o for source_id, _ in self.by_side.get(side, []) for o in self.origins[source_id]}


async def claim_origins(session: AsyncSession, claim_id: uuid.UUID) -> ClaimOrigins:
    """The sources behind the claim's current stances, by side, and their origins: one
    statement over the claim's stances and the kept origins, no walk through the citations."""
    by_side: dict[StanceSide, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    origins: dict[uuid.UUID, list[uuid.UUID]] = {}
    last: tuple[str, uuid.UUID] | None = None
    for side, source_id, n, origin_id in await select_rows(
        session, _per_source(), {"claim_id": claim_id}
    ):
        if (side, source_id) != last:  # a source's rows come together
            last = (side, source_id)
            by_side[StanceSide(side)].append((source_id, int(n)))
        its = origins.setdefault(source_id, [])
        if origin_id is not None and origin_id not in its:
            its.append(origin_id)
    for source_id, its in origins.items():
        if its:
            its.sort()
        else:
            its.append(source_id)
    return ClaimOrigins(by_side=dict(by_side), origins=origins)


@built_once
def _kept(postgres: bool) -> Any:
    """The kept origins of the sources `ids` (one array parameter on PostgreSQL)."""
    ids = (
        any_(bindparam("ids", type_=ARRAY(Uuid))) if postgres else bindparam("ids", expanding=True)
    )
    stmt = select(SourceOrigin.source_id, SourceOrigin.origin_id)
    return stmt.where(
        SourceOrigin.source_id == ids if postgres else SourceOrigin.source_id.in_(ids)
    )


async def source_origins(
    session: AsyncSession, source_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each of the sources' origins, in id order (itself alone when it cites nothing): for a
    caller that has read the claim's stances already."""
    found: dict[uuid.UUID, list[uuid.UUID]] = {source_id: [] for source_id in source_ids}
    if found:
        rows = await select_rows(session, _kept(is_postgres(session)), {"ids": list(found)})
        for source_id, origin_id in rows:
            found[source_id].append(origin_id)
    for source_id, its in found.items():
        if its:
            its.sort()
        else:
            its.append(source_id)
    return found


@built_once
def _walk(postgres: bool) -> Any:
    """Every citation the chains of the sources behind the claim's current stances lead
    through, as (citation id, citing, cited, kind): one recursive query, with UNION so that
    cycles end instead of looping.

    Each row of the walk is a source reached and the citation it was reached by (none for
    the starts), so the citations come out of the walk's own index lookups: joining the
    sources reached to `citations` afterwards made PostgreSQL hash the whole table."""
    starts = select(Stance.source_id).where(
        Stance.claim_id == CLAIM_ID, Stance.retracted_at.is_(None)
    )
    base = select(
        Source.id.label("node_id"),
        cast(null(), Uuid).label("citing_id"),
        cast(null(), Uuid).label("citation_id"),
        cast(null(), Citation.kind.type).label("kind"),
    ).where(Source.id.in_(starts))
    reach = base.cte("reach", recursive=True)
    followed = select(Citation.cited_source_id, Citation.source_id, Citation.id, Citation.kind)
    if postgres:
        # Each source's citations looked up by index, whatever the planner guesses: given
        # the claim's 500 sources as an array, it hashed all of `citations` at every step
        # instead (4.5 s at 1M stances). OFFSET 0 keeps the lateral lookup from being
        # flattened back into that join. The starts are read from the stances in the same
        # statement, not sent as that array: the planner then expects few and leaves JIT
        # compilation (20 ms here) for statements that need it.
        lookup = followed.where(Citation.source_id == reach.c.node_id).offset(0).lateral()
        step = select(*lookup.c).select_from(reach).join(lookup, true())
    else:
        step = followed.join(reach, Citation.source_id == reach.c.node_id)
    reach = reach.union(step)
    return select(reach.c.citation_id, reach.c.citing_id, reach.c.node_id, reach.c.kind).where(
        reach.c.citation_id.is_not(None)
    )


@built_once
def _briefs(postgres: bool) -> Any:
    """The sources given as `ids`, briefly. On PostgreSQL as `= ANY(:ids)`, one array
    parameter: a claim's chains may end in thousands of sources, and an expanding IN renders
    (and SQLAlchemy compiles) a parameter per id."""
    ids = (
        any_(bindparam("ids", type_=ARRAY(Uuid))) if postgres else bindparam("ids", expanding=True)
    )
    stmt = select(Source.id, Source.title, Source.url, Source.published_at)
    return stmt.where(Source.id == ids if postgres else Source.id.in_(ids))


async def source_briefs(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, SourceBrief]:
    """The sources `ids`, briefly, by id."""
    if not ids:
        return {}
    return {
        # Rows the database's constraints already hold to the model: built, not validated.
        row.id: SourceBrief.model_construct(
            id=row.id, title=row.title, url=row.url, published_at=row.published_at
        )
        for row in await select_rows(session, _briefs(is_postgres(session)), {"ids": list(ids)})
    }


async def _graph(session: AsyncSession, claim_id: uuid.UUID) -> dict[uuid.UUID, list[Edge]]:
    """The citations of the claim's chains by citing source, each list in citation id order
    (sorted here, not in SQL: ORDER BY id would make SQLite walk every citation by id instead
    of looking the sources' citations up by source_id)."""
    edges: dict[uuid.UUID, list[Edge]] = defaultdict(list)
    rows = await select_rows(session, _walk(is_postgres(session)), {"claim_id": claim_id})
    for _, citing, cited, kind in sorted(rows, key=_first):
        edges[citing].append((citing, cited, kind))
    return edges


def _first(row: Any) -> Any:
    return row[0]


def _reached(edges: dict[uuid.UUID, list[Edge]], start: uuid.UUID) -> set[uuid.UUID]:
    """Every source the start's citations lead to, itself included."""
    seen, stack = {start}, [start]
    while stack:
        for _, cited, _ in edges.get(stack.pop(), ()):
            if cited not in seen:
                seen.add(cited)
                stack.append(cited)
    return seen


async def claim_provenance(
    session: AsyncSession, claim_id: uuid.UUID, *, chains: bool = True
) -> ProvenanceOut:
    """The sources behind each side of the claim, their chains (left empty with
    `chains=False`, for callers that need only the origins) and independent origins."""
    await require(session, Claim, claim_id, "claim")
    found = await claim_origins(session, claim_id)
    by_side = found.by_side
    truncated = any(len(v) > MAX_SOURCES_PER_SIDE for v in by_side.values())
    starts = set(found.origins)
    # The chains are walked only when they are listed: the origins are kept apart.
    edges = await _graph(session, claim_id) if chains and starts else defaultdict(list)
    reached = {start: _reached(edges, start) for start in starts} if chains else {}
    sides_origins: dict[StanceSide, list[list[uuid.UUID]]] = {
        side: [found.origins[source_id] for source_id, _ in by_side.get(side, [])]
        for side in StanceSide
    }
    described = starts | {o for lists in sides_origins.values() for os in lists for o in os}
    briefs = await source_briefs(session, described)

    sides: dict[StanceSide, SideProvenance] = {}
    for side in StanceSide:
        rows = by_side.get(side, [])
        side_origins = {o for os in sides_origins[side] for o in os}
        listed = [
            SourceProvenance(
                source=briefs[source_id],
                stances=n,
                origins=its_origins,
                chain=[
                    CitationEdge(source_id=e[0], cited_source_id=e[1], kind=e[2])
                    for node in sorted(reached.get(source_id, ()))
                    for e in edges.get(node, [])
                ]
                if chains
                else [],
            )
            for (source_id, n), its_origins in zip(
                rows[:MAX_SOURCES_PER_SIDE], sides_origins[side], strict=False
            )
        ]
        sides[side] = SideProvenance(
            stances=sum(n for _, n in rows),
            independent_origins=len(side_origins),
            origins=[briefs[o] for o in sorted(side_origins)],
            sources=listed,
        )
    return ProvenanceOut(claim_id=claim_id, sides=sides, truncated=truncated)
