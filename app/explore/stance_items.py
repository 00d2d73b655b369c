"""The items of a list of stances, as HTML written here rather than in a template: a page holds
up to 500 of them, and a Jinja macro per item (its call, an attribute lookup and an escape
per value, a filter per date) cost about three times what these f-strings do.

Every piece of record text (names, titles, statements, quotes and their context) goes
through `escape`; the rest is written by this code (ids, the side's and the vocabulary's
words, percentages, dates) and holds nothing to escape. The markup, whitespace included, is
what the macro it replaces wrote."""

from collections.abc import Iterable

from markupsafe import Markup, escape

from app.explore.sides import label_text
from app.explore.views import StanceView, day


def stance_items(
    stances: Iterable[StanceView], show_claim: bool = False, show_actor: bool = True
) -> Markup:
    """One `<li>` per stance, in the order given: its side and label, the actor (unless
    `show_actor` is false: a page about that actor), the odds, the date, a change of position
    or a retraction, the claim (when `show_claim`), the quote in its context, and the
    source."""
    return Markup("".join([_item(s, show_claim, show_actor) for s in stances]))


def _item(s: StanceView, show_claim: bool, show_actor: bool) -> str:
    side = s.side.value
    actor = (
        f'<a class="actor" href="/explore/actors/{s.actor_id}">{escape(s.actor)}</a>'
        if show_actor
        else ""
    )
    if s.probability:
        band = f' <span class="band">(band {s.band})</span>' if s.band else ""
        odds = f'<span class="odds">{s.probability}{band}</span>'
    else:
        odds = f'<span class="odds band">band {s.band}</span>' if s.band else ""
    confidence = (
        f'<span class="confidence">{escape(s.confidence)} confidence</span>' if s.confidence else ""
    )
    changed = (
        f'<span class="changed">changed from {label_text(s.changed_from)}</span>'
        if s.changed_from
        else ""
    )
    retracted, retraction = "", ""
    if s.retracted_at:
        retracted = " retracted"
        retraction = f'<span class="retraction">retracted {day(s.retracted_at)}</span>'
    claim = (
        f'<p class="on-claim">on <a href="/explore/claims/{s.claim_id}#stance-{s.id}">'
        f"{escape(s.statement)}</a></p>"
        if show_claim
        else ""
    )
    quote = ""
    if s.quote:
        before = f'<span class="context">…{escape(s.before)}</span>' if s.before else ""
        after = f'<span class="context">{escape(s.after)}…</span>' if s.after else ""
        quote = (
            f'  <blockquote class="quote side-{side}" cite="/explore/sources/{s.source_id}">\n'
            f"  <p>{before}<mark>{escape(s.quote)}</mark>{after}</p>\n  </blockquote>\n"
        )
    anchor = "" if s.quote_start is None else f"#quote-{s.id}"
    outlet = f" ({escape(s.outlet)})" if s.outlet else ""
    return (
        f'<li id="stance-{s.id}" class="stance side-{side}{retracted}">\n  <p class="who">\n'
        f'    <span class="badge side-{side}"><span class="glyph" aria-hidden="true"></span>'
        f"{s.words}</span>\n{actor}{odds}{confidence}"
        f'    <time datetime="{s.at.isoformat()}">{day(s.at)}</time>\n{changed}{retraction}'
        f"  </p>\n{claim}{quote}"
        f'  <p class="where">in <a href="/explore/sources/{s.source_id}{anchor}">'
        f"{escape(s.source)}</a>{outlet}</p>\n</li>"
    )
