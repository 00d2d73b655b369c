"""Reading the phrase before a saying verb: is it someone who can speak, and who.

A subject is split at top-level `and`, `or` and commas into its members. Each member is a
pronoun, the text itself (`This suggests`), relayed reports (`Reports suggest`, `estimates
suggesting`: the text's own voice, label `reported`), or a named speaker: a phrase with a
capitalized word, or headed by a word the lexicon lists for a kind of actor (`officials`,
`ministry`). A member holding a verb (`is`, `were deployed`) is not a speaker, so the subject is
the longest run of speakers just before the verb. A shared head is given to every member:
`officials in Kyiv and Seoul` → `officials in Kyiv`, `officials in Seoul`; `US and South
Korean officials` → `US officials`, `South Korean officials`.
"""

import re
from dataclasses import dataclass
from typing import Literal

from app.suggestions.findings import Context, Speaker
from app.suggestions.lexicon import Lexicon

Kind = Literal["named", "pronoun", "source", "report"]
MAX_MEMBER_TOKENS = 10
PREPOSITIONAL = re.compile(r"^(?P<head>.*?\b(?:in|of|from|at|for)\s+)(?P<rest>\S.*)$", re.I)


@dataclass(frozen=True, slots=True)
class Member:
    """One speaker of a subject, by token range, with what sort it is."""

    i: int
    j: int
    kind: Kind


def _split(ctx: Context, i: int, j: int) -> list[tuple[int, int]]:
    parts = []
    start = i
    for k in range(i, j):
        if ctx.toks[k].lower in ("and", "or", "&") or ctx.toks[k].text == ",":
            if start < k:
                parts.append((start, k))
            start = k + 1
    if start < j:
        parts.append((start, j))
    return parts


def classify(ctx: Context, i: int, j: int) -> Kind | None:
    """What the member tokens [i, j) are, or None if they cannot be a speaker."""
    lex = ctx.lex
    phrase = " ".join(t.lower for t in ctx.toks[i:j])
    if phrase in lex.pronouns:
        return "pronoun"
    if phrase in lex.source_subjects:
        return "source"
    toks = ctx.toks[i:j]
    while toks and toks[0].lower in lex.determiners:
        toks = toks[1:]
    if not toks or len(toks) > MAX_MEMBER_TOKENS:
        return None
    head = toks[-1].lower.removesuffix("'s")
    sentence_start = ctx.toks[0].start
    named = any(t.capitalized and t.is_word and t.start != sentence_start for t in toks)
    last_two = " ".join(t.lower for t in toks[-2:])
    if not named and (head in lex.reporting_nouns or last_two in lex.reporting_nouns):
        return "report"
    for t in toks:
        if t.lower in lex.verb_group and not t.capitalized:
            return None
        if not t.is_word and t.text not in ("-", ".", "'"):
            return None
    last = toks[-1]
    if not last.capitalized and last.lower.endswith(("ing", "ed")) and not _is_head(head, lex):
        return None  # a verb ("were deployed", "raising"), not a noun
    if named or toks[0].capitalized or _is_head(head, lex):
        return "named"
    return None


def _is_head(word: str, lex: Lexicon) -> bool:
    """Whether `word` can head a speaker's name: a kind's word (`ministry`, `officials`) or a
    title (`the minister`, `the general`), singular or plural."""
    words = lex.head_words | lex.title_words
    return word in words or word.removesuffix("s") in words


def members(ctx: Context, i: int, j: int) -> list[Member]:
    """The speakers of subject tokens [i, j): the longest run of members just before the verb
    that can all speak (empty if the last cannot)."""
    out: list[Member] = []
    for a, b in reversed(_split(ctx, i, j)):
        kind = classify(ctx, a, b)
        if kind is None:
            break
        out.append(Member(a, b, kind))
    return list(reversed(out))


def speakers(ctx: Context, found: list[Member]) -> list[Speaker]:
    """The members as speakers, each given the head it shares with the others."""
    named = [m for m in found if m.kind in ("named", "pronoun")]
    phrases = [ctx.words(m.i, m.j) for m in named]
    if len(phrases) > 1:
        phrases = _distributed(ctx, named, phrases)
    return [
        Speaker(p, ctx.toks[m.i].start, ctx.toks[m.j - 1].end, pronoun=m.kind == "pronoun")
        for m, p in zip(named, phrases, strict=True)
    ]


def _distributed(ctx: Context, found: list[Member], phrases: list[str]) -> list[str]:
    first = PREPOSITIONAL.match(phrases[0])
    heads = ctx.lex.head_words
    if first and first.group("head").split()[0].lower() in heads:
        # "officials in Kyiv and Seoul": a bare name after the first member takes its head.
        prefix = first.group("head")
        return [phrases[0]] + [
            prefix + p if all(t.capitalized for t in ctx.toks[m.i : m.j]) else p
            for m, p in zip(found[1:], phrases[1:], strict=True)
        ]
    last = ctx.toks[found[-1].i : found[-1].j]
    tail: list[str] = []
    for t in reversed(last):
        if t.capitalized:
            break
        tail.insert(0, t.text)
    if tail and tail[-1].lower() in heads and len(tail) < len(last):
        # "US and South Korean officials": a bare modifier before the last member takes its
        # head noun.
        noun = " ".join(tail)
        return [
            f"{p} {noun}" if all(t.capitalized for t in ctx.toks[m.i : m.j]) else p
            for m, p in zip(found[:-1], phrases[:-1], strict=True)
        ] + [phrases[-1]]
    return phrases
