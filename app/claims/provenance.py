"""Where the evidence for and against a claim comes from: the sources behind each side, their
citation chains back to primary sources, and how many independent origins each side has."""

import uuid
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.answers import (
    CitationEdge,
    ProvenanceOut,
    SideProvenance,
    SourceBrief,
    SourceProvenance,
)
from app.models import Citation, Claim, Source, Stance
from app.service_helpers import require
from app.vocabulary import StanceSide

MAX_SOURCES_PER_SIDE = 500


async def _reach(session: AsyncSession, starts: set[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each start source, every source its citations lead to (itself included). A recursive
    query over (start, node) pairs with UNION, so cycles end instead of looping."""
    if not starts:
        return {}
    base = select(Source.id.label("start_id"), Source.id.label("node_id")).where(
        Source.id.in_(starts)
    )
    reach = base.cte("reach", recursive=True)
    step = select(reach.c.start_id, Citation.cited_source_id).join(
        Citation, Citation.source_id == reach.c.node_id
    )
    reach = reach.union(step)
    rows = (await session.execute(select(reach.c.start_id, reach.c.node_id))).all()
    reached: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for start_id, node_id in rows:
        reached[start_id].add(node_id)
    return reached


def _origin_finder(
    edges: dict[uuid.UUID, list[CitationEdge]],
) -> Callable[[uuid.UUID], list[uuid.UUID]]:
    """A function giving the origins of a source: the ends of its citation chains. A source
    that cites nothing is its own origin; sources that only cite each other in a loop are one
    origin together, named by the least id among them (circular reporting counts once)."""
    reach_memo: dict[uuid.UUID, frozenset[uuid.UUID]] = {}

    def reach(node: uuid.UUID) -> frozenset[uuid.UUID]:
        if node not in reach_memo:
            seen, stack = {node}, [node]
            while stack:
                for edge in edges.get(stack.pop(), []):
                    if edge.cited_source_id not in seen:
                        seen.add(edge.cited_source_id)
                        stack.append(edge.cited_source_id)
            reach_memo[node] = frozenset(seen)
        return reach_memo[node]

    def origins(start: uuid.UUID) -> list[uuid.UUID]:
        found: set[uuid.UUID] = set()
        for node in reach(start):
            ahead = reach(node)
            # `node` ends a chain when everything it leads to leads back to it.
            if all(node in reach(other) for other in ahead):
                found.add(min(ahead, key=str))
        return sorted(found, key=str)

    return origins


async def claim_provenance(session: AsyncSession, claim_id: uuid.UUID) -> ProvenanceOut:
    """The sources behind each side of the claim, their chains and independent origins."""
    await require(session, Claim, claim_id, "claim")
    per_source = (
        await session.execute(
            select(Stance.side, Stance.source_id, func.count())
            .where(Stance.claim_id == claim_id, Stance.retracted_at.is_(None))
            .group_by(Stance.side, Stance.source_id)
            .order_by(func.count().desc(), Stance.source_id)
        )
    ).all()
    by_side: dict[StanceSide, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    for side, source_id, n in per_source:
        by_side[StanceSide(side)].append((source_id, int(n)))
    truncated = any(len(v) > MAX_SOURCES_PER_SIDE for v in by_side.values())
    starts = {source_id for rows in by_side.values() for source_id, _ in rows}
    reached = await _reach(session, starts)
    nodes = set().union(*reached.values()) if reached else set()
    edges: dict[uuid.UUID, list[CitationEdge]] = defaultdict(list)
    if nodes:
        # Ordered here, not in SQL: ORDER BY id would make SQLite walk every citation by id
        # instead of looking the sources' citations up by source_id.
        citations = (
            await session.execute(
                select(
                    Citation.id, Citation.source_id, Citation.cited_source_id, Citation.kind
                ).where(Citation.source_id.in_(nodes))
            )
        ).all()
        for _, source_id, cited_id, kind in sorted(citations, key=lambda row: row[0]):
            edges[source_id].append(
                CitationEdge(source_id=source_id, cited_source_id=cited_id, kind=kind)
            )
    briefs = {
        row.id: SourceBrief(id=row.id, title=row.title, url=row.url, published_at=row.published_at)
        for row in (
            await session.execute(
                select(Source.id, Source.title, Source.url, Source.published_at).where(
                    Source.id.in_(nodes)
                )
            )
        ).all()
    }

    origins = _origin_finder(edges)

    sides: dict[StanceSide, SideProvenance] = {}
    for side in StanceSide:
        rows = by_side.get(side, [])
        side_origins: set[uuid.UUID] = set()
        listed: list[SourceProvenance] = []
        for index, (source_id, n) in enumerate(rows):
            its_origins = origins(source_id)
            side_origins.update(its_origins)
            if index < MAX_SOURCES_PER_SIDE:
                chain = [
                    e
                    for node in sorted(reached.get(source_id, ()), key=str)
                    for e in edges.get(node, [])
                ]
                listed.append(
                    SourceProvenance(
                        source=briefs[source_id], stances=n, origins=its_origins, chain=chain
                    )
                )
        sides[side] = SideProvenance(
            stances=sum(n for _, n in rows),
            independent_origins=len(side_origins),
            origins=[briefs[o] for o in sorted(side_origins, key=str)],
            sources=listed,
        )
    return ProvenanceOut(claim_id=claim_id, sides=sides, truncated=truncated)
