"""The text's own voice, where no one else is quoted: what it relays (`reportedly`, `are said
to`), what it hedges (`is likely to`, `may`, `it is unclear whether`), its headline, and what it
states plainly; and a quoted speaker's words running on into the next sentence.

A sentence is read in fragments, cut at punctuation and at the words that open a subordinate
clause (`as`, `while`, `which`, …): a cue speaks for its own fragment only, so `, which could
prove crucial` does not hedge the rest.
"""

from app.claims.similarity import terms, word_set
from app.suggestions import labels
from app.suggestions.findings import Context, Finding, Speaker, Target
from app.vocabulary import StanceLabel

RELATIVES = frozenset({"which", "who", "whom"})
SPLIT_WORDS = word_set("""as while whereas because although though which who whom""")
CUT_MARKS = frozenset(',;:()[]"«»')
STRENGTH = {"relayed": 0.8, "hedged": 0.7, "hedged_headline": 0.6, "continued": 0.6}
PLAIN_STRENGTH = 0.5


def fragments(ctx: Context, i: int, j: int) -> list[tuple[int, int]]:
    """Tokens [i, j) cut into fragments."""
    out, start = [], i
    for k in range(i, j):
        tok = ctx.toks[k]
        if tok.text in CUT_MARKS or tok.text in ("-", ".") or tok.lower in SPLIT_WORDS:
            if start < k:
                out.append((start, k))
            start = k + 1 if tok.text in CUT_MARKS or tok.text in ("-", ".") else k
    if start < j:
        out.append((start, j))
    return [(a, _trim(ctx, a, b)) for a, b in out if _trim(ctx, a, b) > a]


def _trim(ctx: Context, a: int, b: int) -> int:
    while b > a and not ctx.toks[b - 1].is_word:
        b -= 1
    return b


def _target(ctx: Context, a: int, b: int) -> Target:
    return Target(ctx.toks[a].start, ctx.toks[b - 1].end, ctx.words(a, b))


def _and_part(ctx: Context, a: int, b: int, at: int) -> tuple[int, int]:
    """The part of fragment [a, b) between `and`s that holds token `at`."""
    start, end = a, b
    for k in range(a, b):
        if ctx.toks[k].lower == "and":
            if k < at:
                start = k + 1
            elif k > at:
                end = k
                break
    return start, end


def _cued(
    ctx: Context,
    parts: list[tuple[int, int]],
    roles: tuple[str, ...],
    rule: str,
    speakers: list[Speaker] | None = None,
) -> tuple[list[Finding], set[tuple[int, int]]]:
    """A stance for each fragment holding a cue of these roles, and the fragments they took
    (a participle clause running on from a cued fragment goes with it)."""
    out, taken = [], set()
    for n, (a, b) in enumerate(parts):
        hits = labels.hits_in(ctx, a, b, *roles)
        if not hits or (a, b) in taken:
            continue
        hit = hits[0]
        if hit.cue.role == "report":
            label: StanceLabel | None = StanceLabel.reported
            cues = [hit.text]
        else:
            label, cues = labels.decide(ctx, StanceLabel.asserted, None, a, b, [])
        if label is None:
            continue
        taken.add((a, b))
        targets = [_target(ctx, a, b)]
        follow = n + 1
        while follow < len(parts) and ctx.toks[parts[follow][0]].lower.endswith("ing"):
            taken.add(parts[follow])  # `, shifting the balance of power`: the same statement
            follow += 1
        if follow > n + 1:
            targets.append(_target(ctx, a, parts[follow - 1][1]))
        inner = _and_part(ctx, a, b, hit.i)
        if inner != (a, b) and inner[1] - inner[0] > 2:
            targets.append(_target(ctx, *inner))
        probability, label = labels.probability(ctx, label)
        out.append(
            Finding(
                rule=rule,
                voice="quoted" if speakers else "source",
                speakers=speakers or [],
                label=label,
                cues=cues,
                targets=targets,
                strength=STRENGTH[rule],
                probability=probability,
                confidence=labels.confidence(ctx),
            )
        )
    return out, taken


def _plain_targets(ctx: Context, parts: list[tuple[int, int]], plain: set[int]) -> list[Target]:
    """The readings of the plain fragments (indices `plain` of `parts`): each fragment (a
    relative clause read with what it is about), each part of it between `and`s, and each
    fragment with the next."""
    targets = []
    for n in sorted(plain):
        a, b = parts[n]
        target = _target(ctx, a, b)
        if ctx.toks[a].lower in RELATIVES and n > 0:
            prev_a, prev_b = parts[n - 1]
            before = ctx.words(max(prev_a, prev_b - 4), prev_b)  # the noun it refers to
            target = Target(target.start, target.end, f"{before} {target.match_text}")
        targets.append(target)
        start = a
        for k in range(a, b + 1):
            if k == b or ctx.toks[k].lower == "and":
                if (start > a or k < b) and len(terms(ctx.words(start, k))) >= 2:
                    targets.append(_target(ctx, start, k))
                start = k + 1
        if n + 1 in plain:
            targets.append(_target(ctx, a, parts[n + 1][1]))
    return targets


def own_voice(ctx: Context, covered: set[int]) -> list[Finding]:
    """The text's own stances in the tokens no attribution took: relayed, hedged, or plain
    statements (one finding whose fragments are matched against claims)."""
    free = [k for k in range(len(ctx.toks)) if k not in covered]
    if not free:
        return []
    parts = [part for run in _runs(free) for part in fragments(ctx, run[0], run[1])]
    found, taken = _cued(ctx, parts, ("report",), "relayed")
    rest = [p for p in parts if p not in taken]
    hedged, more = _cued(ctx, rest, ("hedge", "frame"), "hedged")
    found += hedged
    taken |= more
    plain = {n for n, p in enumerate(parts) if p not in taken and len(terms(ctx.words(*p))) >= 2}
    if plain:
        found.append(
            Finding(
                rule="plain",
                voice="source",
                speakers=[],
                label=StanceLabel.asserted,
                cues=[],
                targets=_plain_targets(ctx, parts, plain),
                strength=PLAIN_STRENGTH,
                plain=True,
            )
        )
    return found


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for k in indices:
        if runs and runs[-1][1] == k:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


def headline(ctx: Context) -> list[Finding]:
    """The title: hedged when it asks (`…?`) or holds a hedge; else a plain statement."""
    toks = ctx.toks
    end = _trim(ctx, 0, len(toks))
    if end == 0:
        return []
    parts = fragments(ctx, 0, end)
    targets = [_target(ctx, 0, end)] + [_target(ctx, a, b) for a, b in parts if (a, b) != (0, end)]
    hits = labels.hits_in(ctx, 0, end, "hedge", "report", "frame")
    asks = ctx.text[ctx.sentence.start : ctx.sentence.end].rstrip().endswith("?")
    if not hits and not asks:
        return [Finding("headline", "source", [], StanceLabel.asserted, [], targets, 0.5, True)]
    label = hits[0].cue.label if hits else StanceLabel.possible
    cues = [hits[0].text] if hits else ["?"]
    return [
        Finding("hedged_headline", "source", [], label, cues, targets, STRENGTH["hedged_headline"])
    ]


def continued(ctx: Context, speakers: list[Speaker], previous: list[Finding]) -> list[Finding]:
    """A sentence with no attribution of its own after a quoted one: a whole quotation goes on
    in the speaker's words; otherwise its hedged fragments are the speaker's."""
    toks = ctx.toks
    if (len(toks) > 2 and toks[0].text == '"' and toks[-1].text == '"') or (
        len(toks) > 3 and toks[0].text == '"' and toks[-2].text == '"'
    ):
        inner = (1, _trim(ctx, 1, len(toks)))
        label, cues = labels.decide(ctx, StanceLabel.asserted, None, *inner, [])
        if label is None:
            return []
        target = _target(ctx, *inner)
        finding = Finding(
            "continued", "quoted", speakers, label, cues, [target], STRENGTH["continued"]
        )
        if len(terms(target.match_text)) < 2:  # “There is no evidence for it.”
            finding.refers_to = [f for f in previous if f.speakers == speakers]
        return [finding]
    found, _ = _cued(ctx, fragments(ctx, 0, len(toks)), ("hedge", "frame"), "continued", speakers)
    return found
