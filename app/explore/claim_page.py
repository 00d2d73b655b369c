"""What a claim's page shows, gathered through the API's own queries: the claim and its
summary, its stances (one read serves the list, the timeline and the provenance picture's
speakers), the sides as of a date, the provenance, and the related claims."""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims import provenance, queries, service, sides
from app.claims.answers import RelatedClaimOut
from app.claims.provenance import ClaimOrigins
from app.claims.summary import ClaimDetailFields
from app.db.paging import MAX_LIMIT
from app.explore.chain import MAX_NODES, ChainSide, Node, NodeKey, provenance_chain
from app.explore.reading import first_page, first_rows
from app.explore.sides import LOOKS, SIDES, span
from app.explore.svg import sides_bar
from app.explore.timeline import TimelineMark, timeline
from app.explore.views import SideGroup, StanceView, by_side, day, stance_view
from app.stances.rows import StanceRow
from app.vocabulary import STANCE_LABELS, StanceLabel, StanceSide


@dataclass(frozen=True, slots=True)
class SideCount:
    side: StanceSide
    title: str
    stances: int
    actors: int
    probability: str  # a range of percentages, or words saying there is none


@dataclass(frozen=True, slots=True)
class ClaimPage:
    claim: ClaimDetailFields
    as_of: datetime | None
    counts: list[SideCount]
    groups: list[SideGroup]  # the stances standing (as of `as_of`), by side
    retracted: list[StanceView]  # stances retracted by then, listed apart
    shown: int  # stances read for the page
    truncated: bool  # the claim has more stances than one page holds
    sides_svg: Markup
    timeline_svg: Markup
    provenance_svg: Markup
    related: list[RelatedClaimOut]


def _with_changes(views: list[StanceView]) -> list[StanceView]:
    """The stances in the order they were said, each marked with its actor's previous label
    on the claim when it differs (the timeline's `position_changed`, from the rows already
    read)."""
    previous: dict[uuid.UUID, str] = {}
    said = sorted(views, key=_said)
    for view in said:
        before = previous.get(view.actor_id)
        if before is not None and before != view.label:
            view.changed_from = before
        previous[view.actor_id] = view.label
    return said


def _said(view: StanceView) -> tuple[datetime, uuid.UUID]:
    return (view.at, view.id)


def _range(intervals: list[tuple[float, float]]) -> str:
    if not intervals:
        return "none stated"
    return span(min(i[0] for i in intervals), max(i[1] for i in intervals))


def _label_intervals(labels: dict[str, int]) -> list[tuple[float, float]]:
    bands = (STANCE_LABELS[StanceLabel(label)].band for label, n in labels.items() if n)
    return [(band.low, band.high) for band in bands if band is not None]


def _stance_intervals(stances: list[StanceView], rows: dict[uuid.UUID, StanceRow]) -> list[Any]:
    """Each stance's stated probability, else its label's band."""
    out = []
    for stance in stances:
        row = rows[stance.id]
        band = STANCE_LABELS[StanceLabel(row.label)].band
        if row.probability is not None:
            out.append((row.probability, row.probability))
        elif band is not None:
            out.append((band.low, band.high))
    return out


async def _counts(
    session: AsyncSession,
    claim: ClaimDetailFields,
    as_of: datetime | None,
    current: list[StanceView],
    rows: dict[uuid.UUID, StanceRow],
    complete: bool,
) -> list[SideCount]:
    """Stances and actors per side, exact whatever the number of stances: the claim's kept
    summary for now, the API's roll-up by actor for another date. The probability range is
    over the stances read when they are all of them, else over the bands of the labels used."""
    labels: dict[StanceSide, dict[str, int]] = {side: {} for side in SIDES}
    if as_of is None:
        summary = claim["summary"]
        totals = {
            side: (summary["by_side"][side]["stances"], summary["by_side"][side]["actors"])
            for side in SIDES
        }
        for label, n in summary["by_label"].items():
            labels[STANCE_LABELS[StanceLabel(label)].side][label] = n
    else:
        rolled = await sides.claim_sides(session, claim["id"], as_of=as_of)
        totals = {
            side: (sum(g.stances for g in groups), len(groups))
            for side, groups in rolled.sides.items()
        }
        for side, groups in rolled.sides.items():
            for group in groups:
                for label, n in group.labels.items():
                    labels[side][label] = labels[side].get(label, 0) + n
    out = []
    for side in SIDES:
        on_side = [s for s in current if s.side == side]
        intervals = _stance_intervals(on_side, rows) if complete else _label_intervals(labels[side])
        stances, actors = totals.get(side, (0, 0))
        out.append(SideCount(side, LOOKS[side].title, stances, actors, _range(intervals)))
    return out


HIDDEN = Node("", "", "", "")  # a node past the drawn ones: counted, never drawn


def _node(nodes: dict[NodeKey, Node], key: uuid.UUID, label: str, tooltip: str, kind: str) -> Node:
    """The node to keep under `key`: built only while the column still has room."""
    if len(nodes) >= MAX_NODES:
        return HIDDEN
    return Node(key, label, tooltip, f"/explore/{kind}/{key}")


def _origins_drawn(
    current: list[StanceView], origins_of: dict[uuid.UUID, list[uuid.UUID]]
) -> set[uuid.UUID]:
    """The origins the picture draws (the first MAX_NODES of each side, in the order of its
    stances, as `_chains` meets them): the only ones whose titles it needs."""
    drawn: set[uuid.UUID] = set()
    for side in SIDES:
        seen: dict[uuid.UUID, None] = {}
        for s in (s for s in current if s.side == side):
            for origin in origins_of.get(s.source_id, [s.source_id]):
                seen.setdefault(origin)
            if len(seen) >= MAX_NODES:
                break
        drawn.update(list(seen)[:MAX_NODES])
    return drawn


def _chains(
    current: list[StanceView],
    found: ClaimOrigins,
    titles: dict[uuid.UUID, str],
    as_of: datetime | None,
) -> Markup:
    """The provenance picture from the stances standing and the API's origins of the claim's
    sources: its origins per source, and its count of independent origins per side (for
    another date than now, the origins of the sources behind the stances standing then).
    Nodes are keyed by their records' ids; only the drawn ones are given words."""
    origins_of = found.origins
    chains = []
    for side in SIDES:
        chain = ChainSide(side, 0)
        said: dict[uuid.UUID, list[str]] = {}  # each speaker's labels on this side
        names: dict[uuid.UUID, str] = {}
        outlets, origins = chain.outlets, chain.origins
        for s in current:
            if s.side != side:
                continue
            source_id, actor_id = s.source_id, s.actor_id
            if source_id not in outlets:
                outlet = s.outlet or s.source
                outlets[source_id] = _node(
                    outlets, source_id, outlet, f"{outlet}: {s.source}", "sources"
                )
            words = said.get(actor_id)
            if words is None:
                words = said[actor_id] = []
                names[actor_id] = s.actor
            if s.words not in words:
                words.append(s.words)
            its = origins_of.get(source_id, (source_id,))
            if len(said) <= MAX_NODES:  # only the first speakers are drawn, with their edges
                chain.reported.add((source_id, actor_id))
                chain.derived.update([(actor_id, origin) for origin in its])
            if len(origins) < MAX_NODES:
                for origin in its:
                    if origin not in origins:
                        name = titles.get(origin, s.source)
                        origins[origin] = _node(origins, origin, name, name, "sources")
            else:  # the column is full: the rest are only counted
                for origin in its:
                    origins.setdefault(origin, HIDDEN)
        for actor_id, words in said.items():
            if len(chain.speakers) < MAX_NODES:
                label = f"{names[actor_id]}: {' / '.join(words)}"
                chain.speakers[actor_id] = Node(
                    actor_id, label, label, f"/explore/actors/{actor_id}"
                )
            else:
                chain.speakers[actor_id] = HIDDEN
        # For now the API's count over every current stance; for another date, the origins
        # met here (each once: they are the keys of `origins`).
        chain.independent_origins = len(found.side_origins(side)) if as_of is None else len(origins)
        chains.append(chain)
    return provenance_chain(chains)


async def _origins(
    session: AsyncSession, claim_id: uuid.UUID, views: list[StanceView], complete: bool
) -> ClaimOrigins:
    """Where the claim's sources come from. When the page holds every stance of the claim,
    the sources behind its current ones are counted from them and only the sources' kept
    origins are read (the stances are not read a second time); else the API's claim-wide
    answer."""
    if not complete:
        return await provenance.claim_origins(session, claim_id)
    origins = await provenance.source_origins(session, {s.source_id for s in views})
    per_side: dict[StanceSide, Counter[uuid.UUID]] = {side: Counter() for side in SIDES}
    for s in views:
        if s.current_at(None):
            per_side[s.side][s.source_id] += 1
    by_side = {side: counts.most_common() for side, counts in per_side.items() if counts}
    return ClaimOrigins(by_side=by_side, origins=origins)


async def claim_page(
    session: AsyncSession, claim_id: uuid.UUID, as_of: datetime | None
) -> ClaimPage:
    """Everything the claim's page shows, or the API's 404 (410 when deleted)."""
    claim = await service.get_claim(session, claim_id)
    query = queries.ClaimStanceQuery(as_of=as_of, include_retracted=True)
    # The API's statement of the claim's stances, its rows read here (the claim is known to
    # exist: `get_claim` answered).
    listed = queries.claim_stance_list(claim_id, query, first_page(MAX_LIMIT))
    rows, more = await first_rows(session, listed, MAX_LIMIT)
    read = [stance_view(row) for row in rows]
    by_id: dict[uuid.UUID, StanceRow] = {view.id: row for view, row in zip(read, rows, strict=True)}
    views = _with_changes(read)
    current = [s for s in views if s.current_at(as_of)]
    found = await _origins(session, claim_id, views, complete=not more)
    drawn = _origins_drawn(current, found.origins)
    titles = {i: b.title for i, b in (await provenance.source_briefs(session, drawn)).items()}
    related, _ = await queries.related_claims(session, claim_id, first_page(100), known=True)
    counts = await _counts(session, claim, as_of, current, by_id, not more)
    marks = [
        TimelineMark(
            stance_id=str(s.id),
            side=s.side,
            at=s.at,
            retracted_at=s.retracted_at if not s.current_at(as_of) else None,
            words=f"{s.actor}: {s.words}, {day(s.at)}",
            changed=s.changed_from is not None,
        )
        for s in views
    ]
    return ClaimPage(
        claim=claim,
        as_of=as_of,
        counts=counts,
        groups=by_side(current),
        retracted=[s for s in views if not s.current_at(as_of)],
        shown=len(views),
        truncated=more,
        sides_svg=sides_bar({c.side: c.stances for c in counts}),
        timeline_svg=timeline(marks),
        provenance_svg=_chains(current, found, titles, as_of),
        related=sorted(related, key=lambda r: (r.kind, r.claim.statement)),
    )
