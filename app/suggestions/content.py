"""What was said: the words after (or before) a saying verb, split into the stances they hold,
each labelled by its own hedges and negations; and `according to X`."""

from app.claims.similarity import terms, word_set
from app.suggestions import labels
from app.suggestions.attribution import (
    ANAPHORA,
    AUXILIARIES,
    MAX_NP_PART,
    PRONOUN_CONTENT,
    PUNCTUATION_BOUNDS,
    STRENGTH,
    Clause,
)
from app.suggestions.findings import Context, Finding, Target
from app.suggestions.phrases import members, speakers
from app.vocabulary import StanceLabel, StanceSide, side_of

# Words that open a circumstance after a verb (`said in a statement`, `said on Monday`).
ADJUNCT_START = word_set(
    """in on at during after before to from with via last this earlier later yesterday today
    when while by through over outside inside as"""
)


def _content(ctx: Context, start: int, limit: int, *, verb: bool = True) -> tuple[int, int, str]:
    """What was said after a verb: tokens [i, j) and how it was introduced (`that`, `quote`
    or `object`)."""
    toks = ctx.toks
    k, how = start, "object"
    hedged = {h.i for h in ctx.hits if h.cue.role in ("hedge", "frame", "attribution")}
    for t in range(start, min(start + 7, limit) if verb else start):
        if toks[t].lower == "that":
            k, how = t + 1, "that"
            break
        # `said it was highly likely that …`: the words before `that` are part of what was said.
        if (toks[t].text in PUNCTUATION_BOUNDS and toks[t].text != ",") or t in hedged:
            break
        if toks[t].lower in ctx.lex.pronouns or toks[t].lower == "there":
            break
    if k < limit and toks[k].text in ",:" and k + 1 < limit and toks[k + 1].text == '"':
        k += 1
    if k < limit and toks[k].text == '"':
        end = k + 1
        while end < limit and toks[end].text != '"':
            end += 1
        # A quotation that is all that was said; not one inside it (`“several thousand” …`).
        if end + 1 >= limit or toks[end + 1].text in PUNCTUATION_BOUNDS | {".", "!", "?"}:
            return k + 1, end, "quote"
    end = k
    while end < limit:
        tok = toks[end]
        if tok.text in (";", ":"):
            break
        if tok.text == "," and end + 1 < limit:
            nxt = toks[end + 1].lower
            if nxt in ctx.lex.boundaries or nxt.endswith("ing") or nxt == "according":
                break
        if tok.lower in ("but", "whereas") and end > k:
            break
        end += 1
    while end > k and not toks[end - 1].is_word and toks[end - 1].text not in ')"':
        end -= 1
    return k, end, how


def _before(ctx: Context, clause: Clause) -> tuple[int, int]:
    """What was said before `, X said`: the quote just before, else the sentence up to it."""
    toks = ctx.toks
    first = clause.subject[0] if clause.subject else clause.verb
    end = first
    while end > 0 and not toks[end - 1].is_word:
        end -= 1
    start = end
    while start > 0 and toks[start - 1].text not in (";",):
        start -= 1
    while start < end and not toks[start].is_word:
        start += 1
    return start, end


def conjuncts(ctx: Context, i: int, j: int, how: str) -> list[tuple[int, int, int | None]]:
    """The parts of what was said in tokens [i, j): (start, end, subject end), where a verb
    phrase part borrows its clause's subject, tokens [clause start, subject end)."""
    toks = ctx.toks
    if how == "object" and not any(toks[k].lower in AUXILIARIES for k in range(i, j)):
        parts, start = [], i
        for k in range(i, j):
            if toks[k].lower in ("and", "or") or toks[k].text == ",":
                parts.append((start, k))
                start = k + 1
        parts.append((start, j))
        parts = [(a, b) for a, b in parts if a < b]
        if len(parts) > 1 and all(b - a <= MAX_NP_PART for a, b in parts):
            return [(a, b, None) for a, b in parts]
        return [(i, j, None)]
    clauses, start = [], i
    for k in range(i, j):
        if toks[k].text == ";" or (
            toks[k].text == "," and k + 1 < j and toks[k + 1].lower in ("and", "but")
        ):
            clauses.append((start, k))
            start = k + 2 if toks[k].text == "," else k + 1
        elif toks[k].lower == "and" and k + 1 < j and toks[k + 1].lower == "that":
            clauses.append((start, k))  # `said that … and that …`
            start = k + 2
    clauses.append((start, j))
    out: list[tuple[int, int, int | None]] = []
    for a, b in clauses:
        subject_end = next((k for k in range(a, b) if toks[k].lower in AUXILIARIES), None)
        part = a
        for k in range(a + 1, b - 1):
            if toks[k].lower == "and" and toks[k + 1].lower in AUXILIARIES and subject_end:
                out.append((part, k, subject_end if part != a else None))
                part = k + 1
        out.append((part, b, subject_end if part != a else None))
    return [(a, b, s) for a, b, s in out if a < b]


def said(ctx: Context, clause: Clause, limit: int, prior: list[Finding]) -> list[Finding]:
    """The stances a saying verb's clause holds (`prior`: the stances just before, which
    `insist otherwise` or `said it was possible` refer to)."""
    toks = ctx.toks
    i, j, how = _content(ctx, clause.after, limit)
    # `…, the ministry said on Monday` and `“…,” X said in a statement`: what was said is
    # before the speaker; what follows the verb is circumstance.
    opening = toks[clause.subject[0] - 1].text if clause.subject and clause.subject[0] else ""
    before = i >= j or (
        opening in (",", '"') and how == "object" and toks[i].lower in ADJUNCT_START
    )
    if before:
        i, j = _before(ctx, clause)
        how = "quote"
        if i >= j:
            return []
    base = StanceLabel.reported if clause.relayed else clause.hit.cue.label
    words = ctx.words(i, j)
    lowered = " ".join(words.lower().split())
    first_quote = toks[clause.subject[0]].start if clause.subject else toks[clause.verb].start
    if lowered in ANAPHORA or lowered in PRONOUN_CONTENT or not terms(words):
        if not prior:
            return []
        label, cues = labels.decide(ctx, base, clause.negated, i, j, [clause.hit.text])
        if label is None:
            return []
        flip = ANAPHORA.get(lowered, False)
        if flip and side_of(prior[0].label) == StanceSide.support:
            label = ctx.lex.when_content_negated.get(label, label)
        quote = Target(min(first_quote, toks[i].start), toks[j - 1].end, "")
        return [_finding(ctx, clause, label, cues, [quote], refers_to=prior, flip=flip)]
    out = []
    for n, (a, b, subject_end) in enumerate(conjuncts(ctx, i, j, how)):
        label, cues = labels.decide(ctx, base, clause.negated, a, b, [clause.hit.text])
        if label is None:
            continue
        start = toks[a].start if before or n > 0 else min(first_quote, toks[a].start)
        match = ctx.words(a, b)
        if subject_end is not None:
            match = f"{ctx.words(i, subject_end)} {match}"
        out.append(_finding(ctx, clause, label, cues, [Target(start, toks[b - 1].end, match)]))
    return out


def _finding(
    ctx: Context,
    clause: Clause,
    label: StanceLabel,
    cues: list[str],
    targets: list[Target],
    refers_to: list[Finding] | None = None,
    flip: bool = False,
) -> Finding:
    probability, label = labels.probability(ctx, label)
    return Finding(
        rule=clause.rule,
        voice=clause.voice,
        speakers=clause.speakers,
        label=label,
        cues=cues,
        targets=targets,
        strength=STRENGTH[clause.rule],
        refers_to=refers_to or [],
        flip=flip,
        probability=probability,
        confidence=labels.confidence(ctx),
    )


def according(ctx: Context) -> tuple[list[Finding], set[int]]:
    """`According to X, …` and `…, according to X`: the stances, and the tokens naming X
    (no saying verb among them is read as one)."""
    toks = ctx.toks
    out: list[Finding] = []
    skip: set[int] = set()
    for hit in (h for h in ctx.hits if h.cue.role == "attribution"):
        end = hit.j
        while end < len(toks) and toks[end].text not in PUNCTUATION_BOUNDS | {".", "!", "?"}:
            end += 1
        opening = hit.i == 0 or (hit.i <= 2 and toks[hit.i - 1].lower in ("but", "and", "yet"))
        if opening and end < len(toks) and toks[end].text == ",":
            i, j, _ = _content(ctx, end + 1, len(toks), verb=False)
            start = toks[hit.i].start
        elif hit.i > 0 and toks[hit.i - 1].text == ",":
            i = next((k + 1 for k in range(hit.i - 1, -1, -1) if toks[k].text == ";"), 0)
            j = hit.i - 1
            start = toks[i].start if i < j else 0
        else:
            continue
        found = members(ctx, hit.j, end)
        skip.update(range(hit.i, end))
        if i >= j or not found:
            continue
        relayed = all(m.kind == "report" for m in found)
        named = [m for m in found if m.kind in ("named", "pronoun")]
        if not relayed and not named:
            continue
        base = StanceLabel.reported if relayed else StanceLabel.asserted
        label, cues = labels.decide(ctx, base, None, i, j, [hit.text])
        if label is None:
            continue
        probability, label = labels.probability(ctx, label)
        out.append(
            Finding(
                rule="according_to",
                voice="source" if relayed else "quoted",
                speakers=[] if relayed else speakers(ctx, named),
                label=label,
                cues=cues,
                targets=[Target(min(start, toks[i].start), toks[j - 1].end, ctx.words(i, j))],
                strength=STRENGTH["according_to"],
                probability=probability,
                confidence=labels.confidence(ctx),
            )
        )
    return out, skip
