"""The timeline picture: a claim's stances by side over the time they were said, one mark
each, retractions marked where they happened."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from markupsafe import Markup

from app.explore.sides import LOOKS, SIDES
from app.explore.svg import fmt, mark, picture, text, title
from app.vocabulary import StanceSide

WIDTH = 720.0
LEFT = 96.0  # lane names
RIGHT = 40.0  # half a date label
STEP = 12.0  # between marks stacked in one column
COLUMN = 10.0  # marks closer than this in x share a column and stack
MAX_STACK = 12  # a lane grows to this many rows; more marks in a column wrap over earlier ones
AXIS = 34.0


@dataclass(frozen=True, slots=True)
class TimelineMark:
    stance_id: str
    side: StanceSide
    at: datetime
    retracted_at: datetime | None
    words: str  # "Kremlin: denied, 2024-10-10"
    changed: bool  # the actor held another label before


def _domain(marks: list[TimelineMark]) -> tuple[datetime, datetime]:
    times = [m.at for m in marks] + [m.retracted_at for m in marks if m.retracted_at]
    start, end = min(times), max(times)
    if end - start < timedelta(days=2):  # one day (or all at once): a week around it
        middle = start + (end - start) / 2
        return middle - timedelta(days=3), middle + timedelta(days=3)
    pad = (end - start) * 0.04
    return start - pad, end + pad


def _ticks(start: datetime, end: datetime, most: int = 6) -> list[datetime]:
    """Midnights (UTC) inside the domain, every so many days that at most `most` show."""
    days = max(1, math.ceil((end - start) / timedelta(days=1) / most))
    first = datetime.combine(start.date(), time.min, start.tzinfo) + timedelta(days=1)
    ticks = []
    while first <= end:
        ticks.append(first)
        first += timedelta(days=days)
    return ticks


def timeline(marks: list[TimelineMark]) -> Markup:
    """Three lanes, support above neutral above dispute, time running right: each stance a
    mark in its side's shape and colour at the time it was said (hollow when retracted, with a
    cross where it was retracted); marks said close together stack."""
    if not marks:
        return picture(
            "timeline", WIDTH, 40, "Timeline: no stances", [text(WIDTH / 2, 24, "no stances")]
        )
    start, end = _domain(marks)
    span = (end - start).total_seconds()

    def x_of(at: datetime) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (at - start).total_seconds() / span

    stacks: dict[tuple[StanceSide, int], int] = defaultdict(int)
    placed: list[tuple[TimelineMark, float, int]] = []
    for m in sorted(marks, key=lambda m: (m.at, m.stance_id)):
        x = x_of(m.at)
        key = (m.side, round(x / COLUMN))
        placed.append((m, x, stacks[key] % MAX_STACK))
        stacks[key] += 1
    rows = {
        side: min(MAX_STACK, max((n for (s, _), n in stacks.items() if s == side), default=1))
        for side in SIDES
    }
    tops: dict[StanceSide, float] = {}
    y = 8.0
    for side in SIDES:
        tops[side] = y
        y += rows[side] * STEP + 16
    axis_y = y
    parts: list[str] = []
    counts = {side: sum(1 for m in marks if m.side == side) for side in SIDES}
    for side in SIDES:
        lane_h = rows[side] * STEP + 8
        parts.append(
            f'<rect class="lane side-{side.value}" x="{fmt(LEFT)}" y="{fmt(tops[side])}" '
            f'width="{fmt(WIDTH - LEFT - RIGHT)}" height="{fmt(lane_h)}"/>'
        )
        parts.append(text(8, tops[side] + lane_h / 2 + 4, f"{LOOKS[side].title} ({counts[side]})"))
    for tick in _ticks(start, end):
        tx = x_of(tick)
        parts.append(
            f'<line class="grid" x1="{fmt(tx)}" x2="{fmt(tx)}" y1="8" y2="{fmt(axis_y)}"/>'
        )
        parts.append(text(tx, axis_y + 16, f"{tick:%Y-%m-%d}", cls="tick", anchor="middle"))
    for m, x, row in placed:
        cy = tops[m.side] + 10 + row * STEP
        classes = f"mark side-{m.side.value}"
        words = m.words
        if m.changed:
            classes += " changed"
            words += " (changed position)"
        retraction = ""
        if m.retracted_at is not None:
            classes += " retracted"
            words += f"; retracted {m.retracted_at:%Y-%m-%d}"
            rx = x_of(m.retracted_at)
            retraction = (
                f'<line class="retraction-line" x1="{fmt(x)}" x2="{fmt(rx)}" '
                f'y1="{fmt(cy)}" y2="{fmt(cy)}"/>'
                f'<path class="retraction" d="M{fmt(rx - 4)} {fmt(cy - 4)}l8 8m0 -8l-8 8"/>'
            )
        parts.append(
            f'<g class="{classes}" data-stance="{m.stance_id}">{title(words)}'
            f"{retraction}{mark(m.side, x, cy)}</g>"
        )
    retracted = sum(1 for m in marks if m.retracted_at is not None)
    label = (
        f"Timeline of {len(marks)} stances from {start:%Y-%m-%d} to {end:%Y-%m-%d}: "
        + ", ".join(f"{LOOKS[s].title.lower()} {counts[s]}" for s in SIDES)
        + f"; {retracted} retracted"
    )
    return picture("timeline", WIDTH, axis_y + AXIS, label, parts)
