"""The provenance picture: for each side, the outlets that reported the stances, the speakers
who took them, and the primary sources the outlets' citation chains lead back to, with the
side's count of independent origins."""

import uuid
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from app.explore.sides import LOOKS, SIDES
from app.explore.svg import clip, fmt, picture, text, title
from app.vocabulary import StanceSide

WIDTH = 760.0
NODE_W = 214.0
NODE_H = 26.0
ROW = 34.0
COLUMNS = (8.0, 273.0, 538.0)  # outlet, speaker, primary source
MAX_NODES = 12  # per column and side; the rest are counted in a last node
CHARS = 30
# What tells a column's nodes apart: the id of the record a node stands for (any string
# does, as long as it is unique in its column). Ids order as their text does.
NodeKey = uuid.UUID | str


@dataclass(frozen=True, slots=True)
class Node:
    key: NodeKey
    label: str
    tooltip: str
    href: str


@dataclass
class ChainSide:
    """What one side's part of the picture holds, in the order nodes are drawn."""

    side: StanceSide
    independent_origins: int
    outlets: dict[NodeKey, Node] = field(default_factory=dict)
    speakers: dict[NodeKey, Node] = field(default_factory=dict)
    origins: dict[NodeKey, Node] = field(default_factory=dict)
    reported: set[tuple[NodeKey, NodeKey]] = field(default_factory=set)  # (outlet, speaker)
    derived: set[tuple[NodeKey, NodeKey]] = field(default_factory=set)  # (speaker, origin)


def _column(
    nodes: dict[NodeKey, Node], x: float, top: float, rows: int, kind: str, side: StanceSide
) -> tuple[list[str], dict[NodeKey, str]]:
    """A column of nodes spread over `rows` rows; their drawn parts and the y of each centre
    (as written, for the edges). Past MAX_NODES one more node counts the rest."""
    shown = list(nodes.values())[:MAX_NODES]
    hidden = len(nodes) - len(shown)
    slots = len(shown) + (1 if hidden else 0)
    offset = top + (rows - slots) * ROW / 2
    parts: list[str] = []
    centres: dict[NodeKey, str] = {}
    box = f'<rect x="{fmt(x)}" y="{{}}" width="{fmt(NODE_W)}" height="{fmt(NODE_H)}" rx="5"/>'
    for i, node in enumerate(shown):
        y = offset + i * ROW
        centres[node.key] = fmt(y + NODE_H / 2)
        link = f'<a href="{escape(node.href)}" class="node {kind} side-{side.value}">'
        parts.append(
            f"{link}{title(node.tooltip)}{box.format(fmt(y))}"
            f"{text(x + 8, y + 17, clip(node.label, CHARS))}</a>"
        )
    if hidden:
        y = offset + len(shown) * ROW + 17
        parts.append(text(x + 8, y, f"and {hidden} more", cls="more"))
    return parts, centres


def _edges(
    pairs: set[tuple[NodeKey, NodeKey]],
    x1: float,
    starts: dict[NodeKey, str],
    x2: float,
    ends: dict[NodeKey, str],
    side: StanceSide,
    kind: str,
) -> list[str]:
    """A curve for each pair whose nodes are both drawn, from the first's centre at `x1` to
    the second's at `x2`, in the pairs' order (the x parts are the same for every curve)."""
    bend = (x2 - x1) / 2
    start, c1, c2, end = fmt(x1), fmt(x1 + bend), fmt(x2 - bend), fmt(x2)
    return [
        f'<path class="edge {kind} side-{side.value}" d="M{start} {starts[a]}'
        f'C{c1} {starts[a]} {c2} {ends[b]} {end} {ends[b]}"/>'
        for a, b in sorted(pairs)
        if a in starts and b in ends
    ]


def provenance_chain(sides: list[ChainSide]) -> Markup:
    """One band per side with stances: outlets → speakers → primary sources, joined by edges
    in the side's colour and dash style; the band's heading gives its independent origins."""
    parts: list[str] = []
    y = 4.0
    for heading, x in zip(
        ("Outlet (where it was reported)", "Speaker (who said it)", "Primary source"),
        COLUMNS,
        strict=True,
    ):
        parts.append(text(x, y + 12, heading, cls="column-head"))
    y += 24
    described: list[str] = []
    for chain in sorted(sides, key=lambda c: SIDES.index(c.side)):
        if not chain.speakers:
            continue
        look = LOOKS[chain.side]
        origins = chain.independent_origins
        heading = (
            f"{look.title}: {len(chain.speakers)} speaker{'' if len(chain.speakers) == 1 else 's'}"
            f", {origins} independent origin{'' if origins == 1 else 's'}"
        )
        described.append(heading)
        parts.append(f'<g class="band side-{chain.side.value}">')
        parts.append(
            f'<rect class="band-rule" x="0" y="{fmt(y)}" width="{fmt(WIDTH)}" height="2"/>'
        )
        parts.append(text(0, y + 18, heading, cls="band-head"))
        top = y + 28
        rows = max(
            min(len(nodes), MAX_NODES) + (len(nodes) > MAX_NODES)
            for nodes in (chain.outlets, chain.speakers, chain.origins)
        )
        drawn: list[dict[NodeKey, str]] = []
        for nodes, x, kind in zip(
            (chain.outlets, chain.speakers, chain.origins),
            COLUMNS,
            ("outlet", "speaker", "origin"),
            strict=True,
        ):
            column, centres = _column(nodes, x, top, rows, kind, chain.side)
            parts.extend(column)
            drawn.append(centres)
        outlets, speakers, origins_at = drawn
        # From the outlets to the speakers, and from the speakers to the origins: drawn over
        # the nodes' borders, under nothing.
        parts += _edges(
            chain.reported,
            COLUMNS[0] + NODE_W,
            outlets,
            COLUMNS[1],
            speakers,
            chain.side,
            "reported",
        )
        parts += _edges(
            chain.derived,
            COLUMNS[1] + NODE_W,
            speakers,
            COLUMNS[2],
            origins_at,
            chain.side,
            "derived",
        )
        parts.append("</g>")
        y = top + rows * ROW + 10
    if not described:
        parts.append(text(0, y + 16, "No current stances, so no provenance to draw."))
        y += 24
    label = "Provenance, outlet to speaker to primary source. " + (
        "; ".join(described) or "No current stances."
    )
    return picture("provenance", WIDTH, y + 4, label, parts, role="group")
