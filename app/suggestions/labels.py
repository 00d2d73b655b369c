"""Deciding a stance's label from its cues: the verb's label, then the hedges and negations in
what was said, then a stated probability or confidence.

- A hedge (`highly likely`, `may`, `unlikely`, …) in what was said replaces a plain saying
  verb's label (`said` → `asserted`) or a belief's (`believes` → `likely`); it does not
  replace a stronger verb's (`confirmed`, `denied`, `questioned`, `declined to comment`).
- A negated verb changes the label by the lexicon's `when_verb_negated` (`did not deny` →
  `no_comment`); where the table gives none (`did not say`), there is no stance.
- A negation in what was said turns the label over by `when_content_negated` (`said the
  troops were not there` → `denied`): claims are stated positively.
- A stated percentage within the sentence next to a probability word (`a 70% chance`) is the
  probability; when the words gave no label with a band, or one whose band does not hold it,
  the label is the band's that does.
"""

import re

from app.suggestions.findings import Context, CueHit
from app.vocabulary import STANCE_LABELS, Confidence, StanceLabel

# Labels a hedge in what was said may replace.
HEDGEABLE = frozenset({StanceLabel.asserted, StanceLabel.likely})
PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)", re.IGNORECASE)


def hits_in(ctx: Context, i: int, j: int, *roles: str) -> list[CueHit]:
    """The cues of these roles inside tokens [i, j)."""
    return [h for h in ctx.hits if h.cue.role in roles and i <= h.i and h.j <= j]


def negation_in(ctx: Context, i: int, j: int) -> str | None:
    """The first negating word in tokens [i, j) outside any cue (`not likely` is a cue of
    its own) and outside the lexicon's `not_negating` phrases (`not only`), or None."""
    covered = {k for h in ctx.hits for k in range(h.i, h.j)}
    spared: set[int] = set()
    start, end = (ctx.toks[i].start, ctx.toks[j - 1].end) if i < j else (0, 0)
    for match in ctx.lex.not_negating.finditer(ctx.folded, start, end):
        spared.update(range(ctx.index_at(match.start()), ctx.index_at(match.end())))
    for k in range(i, j):
        word = ctx.toks[k].lower
        if k in covered or k in spared:
            continue
        if word in ctx.lex.negators or word.endswith("n't"):
            return ctx.toks[k].text
    return None


def decide(
    ctx: Context,
    base: StanceLabel,
    verb_negated: str | None,
    i: int,
    j: int,
    cues: list[str],
) -> tuple[StanceLabel | None, list[str]]:
    """The label of what was said in tokens [i, j), given the verb's label, and the cues that
    decided it; None when there is no stance (a negated `said`)."""
    label: StanceLabel | None = base
    used = list(cues)
    if verb_negated is not None:
        label = ctx.lex.when_verb_negated.get(base)
        used.append(verb_negated)
        if label is None:
            return None, used
    hedges = hits_in(ctx, i, j, "hedge", "frame")
    if hedges and label in HEDGEABLE:
        label = hedges[0].cue.label
        used.append(hedges[0].text)
    negator = negation_in(ctx, i, j)
    if negator is not None and label in ctx.lex.when_content_negated:
        label = ctx.lex.when_content_negated[label]
        used.append(negator)
    return label, used


def probability(ctx: Context, label: StanceLabel) -> tuple[float | None, StanceLabel]:
    """A stated percentage in the sentence (near a probability word), and the label that
    fits it."""
    sentence = ctx.folded[ctx.sentence.start : ctx.sentence.end]
    match = PERCENT.search(sentence)
    if match is None:
        return None, label
    around = sentence[max(0, match.start() - 60) : match.end() + 60].lower()
    if not any(re.search(rf"\b{w}\b", around) for w in ctx.lex.probability_words):
        return None, label
    value = float(match.group(1)) / 100
    if value > 1:
        return None, label
    band = STANCE_LABELS[label].band
    if band is not None and band.contains(value):
        return value, label
    for info in STANCE_LABELS.values():
        if info.band is not None and info.band.contains(value):
            return value, info.label
    return None, label


def confidence(ctx: Context) -> Confidence | None:
    """The analytic confidence the sentence states, if any."""
    sentence = ctx.folded[ctx.sentence.start : ctx.sentence.end]
    for level, pattern in ctx.lex.confidence:
        if pattern.search(sentence):
            return level
    return None
