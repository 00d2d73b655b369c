"""Rolling a claim's stances up by actor, top organization or country, following the
affiliations that were valid when each stance was made."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.answers import GroupOut, SidesOut
from app.claims.queries import current_as_of, said_at
from app.models import Actor, Affiliation, Claim, Stance
from app.records import require
from app.stances.schemas import ActorRef
from app.vocabulary import GroupBy, StanceLabel, StanceSide

MAX_DEPTH = 8  # affiliation chains longer than this are cut (they also guard against cycles)


@dataclass(frozen=True, slots=True)
class _Link:
    organization_id: uuid.UUID
    valid_from: datetime | None
    valid_to: datetime | None

    def valid_at(self, at: datetime | None) -> bool:
        if at is None:
            return True
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_to is None or at <= self.valid_to
        )


@dataclass(slots=True)
class _Group:
    key: str | None
    name: str
    kind: str | None
    stances: int = 0
    labels: dict[StanceLabel, int] = field(default_factory=lambda: defaultdict(int))
    actors: dict[uuid.UUID, ActorRef] = field(default_factory=dict)


async def _affiliations(
    session: AsyncSession, actor_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[_Link]]:
    """Outgoing affiliations of these actors and, level by level, of their organizations."""
    links: dict[uuid.UUID, list[_Link]] = defaultdict(list)
    seen: set[uuid.UUID] = set()
    frontier = set(actor_ids)
    for _ in range(MAX_DEPTH):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        rows = (
            await session.execute(
                select(
                    Affiliation.actor_id,
                    Affiliation.organization_id,
                    Affiliation.valid_from,
                    Affiliation.valid_to,
                ).where(Affiliation.actor_id.in_(frontier))
            )
        ).all()
        frontier = set()
        for actor_id, organization_id, valid_from, valid_to in rows:
            links[actor_id].append(_Link(organization_id, valid_from, valid_to))
            frontier.add(organization_id)
    return links


def _tops(
    actor_id: uuid.UUID, at: datetime | None, links: dict[uuid.UUID, list[_Link]]
) -> set[uuid.UUID]:
    """The top organizations an actor belongs to at `at` (itself if it belongs to none)."""
    tops: set[uuid.UUID] = set()
    visited = {actor_id}
    stack = [(actor_id, 0)]
    while stack:
        node, depth = stack.pop()
        parents = [
            link.organization_id
            for link in links.get(node, [])
            if link.valid_at(at) and link.organization_id not in visited
        ]
        if not parents or depth >= MAX_DEPTH:
            tops.add(node)
            continue
        for parent in parents:
            visited.add(parent)
            stack.append((parent, depth + 1))
    return tops


async def claim_sides(
    session: AsyncSession,
    claim_id: uuid.UUID,
    *,
    group_by: GroupBy = GroupBy.actor,
    as_of: datetime | None = None,
) -> SidesOut:
    """For each side, the groups of actors on it: each actor, its top organizations at the
    time of the stance, or its country (else its organization's)."""
    await require(session, Claim, claim_id, "claim")
    stmt = select(Stance.actor_id, Stance.side, Stance.label, Stance.stated_at).where(
        Stance.claim_id == claim_id, current_as_of(as_of)
    )
    if as_of is not None:
        stmt = stmt.where(said_at() <= as_of)
    stances = (await session.execute(stmt)).all()
    actor_ids = {row.actor_id for row in stances}
    links = await _affiliations(session, actor_ids) if group_by != "actor" else {}
    involved = actor_ids | {link.organization_id for ls in links.values() for link in ls}
    actors = {
        a.id: a
        for a in (
            await session.execute(
                select(Actor.id, Actor.name, Actor.kind, Actor.country).where(
                    Actor.id.in_(involved)
                )
            )
        ).all()
    }
    groups: dict[StanceSide, dict[str | None, _Group]] = {side: {} for side in StanceSide}
    for row in stances:
        actor = actors[row.actor_id]
        if group_by == "actor":
            keys = [(str(actor.id), actor.name, actor.kind)]
        else:
            tops = [actors[t] for t in sorted(_tops(row.actor_id, row.stated_at, links), key=str)]
            if group_by == "organization":
                keys = [(str(t.id), t.name, t.kind) for t in tops]
            else:
                countries = {actor.country} if actor.country else {t.country for t in tops}
                countries = {c for c in countries if c} or {None}
                keys = [(c, c or "unknown", None) for c in sorted(countries, key=str)]
        for key, name, kind in keys:
            group = groups[StanceSide(row.side)].setdefault(key, _Group(key, name, kind))
            group.stances += 1
            group.labels[StanceLabel(row.label)] += 1
            group.actors[actor.id] = ActorRef(id=actor.id, name=actor.name, kind=actor.kind)
    return SidesOut(
        claim_id=claim_id,
        group_by=group_by,
        as_of=as_of,
        sides={
            side: [
                GroupOut(
                    key=g.key,
                    name=g.name,
                    kind=g.kind,
                    stances=g.stances,
                    labels=dict(g.labels),
                    actors=sorted(g.actors.values(), key=lambda a: a.name),
                )
                for g in sorted(by_key.values(), key=lambda g: (-g.stances, g.name))
            ]
            for side, by_key in groups.items()
        },
    )
