"""Drawing inline SVG on the server: a few escaped primitives, the side patterns and marks
every picture shares, and the sides bar.

Pictures are strings of SVG markup (Markup, so templates insert them unescaped); every piece
of text in them goes through `escape` here. Colours come from the stylesheet by class
(`side-support` …), so one palette serves the pages and the pictures; fills that must differ
without colour use the patterns below, marks use shapes, and edges use dash styles.
"""

from collections.abc import Iterable

from markupsafe import Markup, escape

from app.explore.sides import LOOKS, SIDES
from app.vocabulary import StanceSide

FONT = 12  # px of text at the picture's own scale


def fmt(value: float) -> str:
    """A coordinate, short: to a tenth, without a tenth of 0 ("12", "12.5")."""
    short = f"{value:.1f}"
    return short[:-2] if short.endswith(".0") else short


def text(x: float, y: float, content: str, *, cls: str = "", anchor: str = "start") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{fmt(x)}" y="{fmt(y)}" text-anchor="{anchor}"{klass}>{escape(content)}</text>'


def title(content: str) -> str:
    """A tooltip (and accessible name) for the element it is put in."""
    return f"<title>{escape(content)}</title>"


def clip(content: str, limit: int) -> str:
    """`content` cut to `limit` characters, with an ellipsis when cut."""
    return content if len(content) <= limit else content[: limit - 1].rstrip() + "…"


def picture(
    name: str,
    width: float,
    height: float,
    label: str,
    body: Iterable[str],
    *,
    defs: str = "",
    role: str = "img",
) -> Markup:
    """A complete <svg> that scales to its container, named for assistive technology: an
    image, or a group when it holds links (an image's content is not reachable)."""
    inner = "".join(body)
    return Markup(
        f'<svg class="picture {name}" viewBox="0 0 {fmt(width)} {fmt(height)}" '
        f'width="{fmt(width)}" height="{fmt(height)}" role="{role}" aria-labelledby="{name}-title" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">'
        f'<title id="{name}-title">{escape(label)}</title>{defs}{inner}</svg>'
    )


def patterns(prefix: str) -> str:
    """Fill patterns per side, ids prefixed so that several pictures can share a page: support
    solid, neutral dotted, dispute hatched."""
    return (
        "<defs>"
        f'<pattern id="{prefix}-neutral" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" class="fill-neutral"/>'
        '<circle cx="3" cy="3" r="1.2" class="dots"/></pattern>'
        f'<pattern id="{prefix}-dispute" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="8" height="8" class="fill-dispute"/>'
        '<rect width="3" height="8" class="hatch"/></pattern>'
        "</defs>"
    )


def side_fill(prefix: str, side: StanceSide) -> str:
    """The fill attribute for an area of this side (a pattern but for support)."""
    if side == StanceSide.support:
        return ""
    return f' fill="url(#{prefix}-{side.value})"'


def mark(side: StanceSide, x: float, y: float, size: float = 5.0) -> str:
    """The side's shape centred on (x, y): circle, square or triangle."""
    shape = LOOKS[side].shape
    if shape == "circle":
        return f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{fmt(size)}"/>'
    if shape == "square":
        s = size * 0.9
        w = fmt(2 * s)
        return f'<rect x="{fmt(x - s)}" y="{fmt(y - s)}" width="{w}" height="{w}"/>'
    h = size * 1.15
    return (
        f'<path d="M{fmt(x)} {fmt(y - h)}L{fmt(x + h)} {fmt(y + h * 0.8)}'
        f'L{fmt(x - h)} {fmt(y + h * 0.8)}Z"/>'
    )


BAR_WIDTH = 720.0
BAR_HEIGHT = 56.0


def sides_bar(counts: dict[StanceSide, int]) -> Markup:
    """One bar split by side in proportion to the stances on each, each part filled in its
    side's colour and pattern and labelled with its name and count where it is wide enough
    (the counts are also in the table beside it)."""
    total = sum(counts.values())
    words = ", ".join(f"{LOOKS[s].title.lower()} {counts.get(s, 0)}" for s in SIDES)
    parts: list[str] = []
    x = 0.0
    top, height = 4.0, 30.0
    if total == 0:
        parts.append(
            f'<rect x="0" y="{fmt(top)}" width="{fmt(BAR_WIDTH)}" height="{fmt(height)}" '
            'class="empty"/>'
        )
        parts.append(text(BAR_WIDTH / 2, top + 20, "no stances", anchor="middle"))
    for side in SIDES:
        n = counts.get(side, 0)
        if not n:
            continue
        width = BAR_WIDTH * n / total
        label = f"{LOOKS[side].title}: {n} stance{'' if n == 1 else 's'}"
        parts.append(
            f'<g class="segment side-{side.value}">{title(label)}'
            f'<rect x="{fmt(x)}" y="{fmt(top)}" width="{fmt(width)}" height="{fmt(height)}"'
            f"{side_fill('sb', side)}/></g>"
        )
        # Under the segment rather than on it: dark text stays readable on every fill.
        if width >= 70:
            parts.append(text(x + 4, top + height + 16, f"{LOOKS[side].title} {n}", cls="tick"))
        x += width
    return picture(
        "sides-bar",
        BAR_WIDTH,
        BAR_HEIGHT,
        f"Stances by side: {words}",
        parts,
        defs=patterns("sb"),
    )
