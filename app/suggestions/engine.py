"""Reading a text, sentence by sentence, into findings: the rules of `attribution`, `content`
and `voice` in order, then pronouns (`he said`) and short names (`the ministry said`) resolved
to the speaker named before them. Pure: no database, no network."""

from dataclasses import replace

from app.suggestions.attribution import Clause, clauses
from app.suggestions.content import according, said
from app.suggestions.findings import Context, Finding, Speaker, fold
from app.suggestions.lexicon import Lexicon
from app.suggestions.speakers import naming
from app.suggestions.text import sentences
from app.suggestions.voice import continued, headline, own_voice
from app.vocabulary import ActorKind


def _covered(ctx: Context, found: list[Finding], skip: set[int]) -> set[int]:
    """Token indices an attribution took: from its speaker to the end of what was said."""
    covered = set(skip)
    for finding in found:
        starts = [t.start for t in finding.targets] + [s.start for s in finding.speakers]
        ends = [t.end for t in finding.targets] + [s.end for s in finding.speakers]
        first, last = min(starts), max(ends)
        covered.update(k for k, tok in enumerate(ctx.toks) if first <= tok.start < last)
    return covered


def _sentence(ctx: Context, previous: list[Finding]) -> list[Finding]:
    found, skip = according(ctx)
    read = clauses(ctx, skip)
    prior = [f for f in previous if f.voice == "quoted" or f.rule == "relayed_reports"]
    for n, clause in enumerate(read):
        later = [c for c in read[n + 1 :] if c.verb > clause.verb]
        if later and _reported_by(clause, later[0]):
            # `Investigators said they could not rule out …`: the inner verb is what was said,
            # and its pronoun is the speaker.
            later[0].speakers, later[0].rule = clause.speakers, clause.rule
            continue
        limit = len(ctx.toks)
        for other in later:
            start = other.subject[0] if other.subject and other.subject[0] > clause.after else None
            limit = min(limit, start if start is not None else other.verb)
        mine = said(ctx, clause, limit, prior)
        if not mine:  # a negated `did not say`: the clause holds no stance, nor the text's
            first = clause.subject[0] if clause.subject else clause.verb
            skip.update(range(first, limit))
        found += mine
        prior = mine or prior
    if any(f.voice == "quoted" for f in found):
        return found
    quoted = [f for f in previous if f.voice == "quoted" and f.speakers]
    relays = any(h.cue.role == "report" for h in ctx.hits)
    if not found and quoted and not relays:
        return continued(ctx, quoted[-1].speakers, quoted)
    return found + own_voice(ctx, _covered(ctx, found, skip))


def _reported_by(outer: Clause, inner: Clause) -> bool:
    """Whether `inner` is what `outer` says, its subject a pronoun for `outer`'s speaker."""
    return (
        outer.voice == "quoted"
        and inner.subject is not None
        and bool(inner.speakers)
        and all(s.pronoun for s in inner.speakers)
        and outer.after <= inner.subject[0] <= outer.after + 1
    )


def analyse(text: str, lexicon: Lexicon) -> list[Finding]:
    """Every finding of the text, in order."""
    folded = fold(text)
    out: list[Finding] = []
    previous: list[Finding] = []
    paragraph = -1
    for sentence in sentences(text):
        if sentence.paragraph != paragraph:
            previous, paragraph = [], sentence.paragraph
        if sentence.kind in ("heading", "question"):
            previous = []
            continue
        ctx = Context(text, folded, lexicon, sentence)
        if not ctx.toks:
            continue
        found = headline(ctx) if sentence.kind == "title" else _sentence(ctx, previous)
        for finding in found:
            finding.sentence = (sentence.start, sentence.end)
        out += found
        previous = found
    return _resolved(out, lexicon)


def _antecedent(
    speaker: Speaker, named: list[tuple[Speaker, ActorKind | None]], lex: Lexicon
) -> Speaker | None:
    word = speaker.phrase.lower()
    if speaker.pronoun:
        wanted = lex.pronouns.get(word)
        for earlier, kind in reversed(named):
            if wanted == ActorKind.person and kind == ActorKind.person:
                return earlier
            if wanted == ActorKind.group and kind not in (ActorKind.person, None):
                return earlier
            if wanted == ActorKind.organization and kind not in (ActorKind.person, ActorKind.group):
                return earlier
        return None
    parts = word.split()
    if len(parts) == 2 and parts[0] == "the" and parts[1] in lex.head_words:
        for earlier, _ in reversed(named):
            if parts[1] in earlier.phrase.lower().split() and earlier.phrase != speaker.phrase:
                return earlier
    return speaker


def _resolved(found: list[Finding], lex: Lexicon) -> list[Finding]:
    """Findings with pronouns and short names replaced by the speaker they stand for; a
    quoted finding whose speakers all stay unknown is dropped."""
    named: list[tuple[Speaker, ActorKind | None]] = []
    out = []
    for finding in found:
        resolved = []
        for speaker in finding.speakers:
            earlier = _antecedent(speaker, named, lex)
            if earlier is None:
                continue
            if earlier is not speaker:  # (a resolved pronoun scores less: see service.PRONOUN)
                resolved.append(replace(earlier, pronoun=True))
            else:
                resolved.append(speaker)
                named.append((speaker, naming(speaker.phrase, lex).kind))
        if finding.voice == "quoted" and not resolved:
            continue
        finding.speakers = resolved
        out.append(finding)
    return out
