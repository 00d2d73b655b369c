"""Attributed speech: who said what, by the patterns of English news writing.

- `X said (that) …`, `X has publicly denied …`, with the words between subject and verb skipped
  (`has`, `publicly`, `not`: a negation there is kept for the label);
- `X, who …, said …` and `X, the minister, said …`: the relative clause or apposition skipped;
- `“…,” X said.`, `“…,” said X.`, `…, the ministry said.`: what was said comes before;
- `X said …, adding …` and `X denied … but said …`: a second verb shares the subject;
- `According to X, …` and `…, according to X.`;
- a subject that is relayed reports (`Reports suggest`, `estimates suggesting`) is the text's
  own voice, label `reported`; one that is the text itself (`This suggests`) is its voice too.

What was said is split into its parts, each a stance of its own: objects joined by `and`
(`denied reports of troop deployments and arms sales`), clauses joined by `, and`, and verb
phrases joined by `and` before an auxiliary (`are training in Russia and could be deployed`).
"""

from dataclasses import dataclass

from app.claims.similarity import word_set
from app.suggestions.findings import Context, CueHit, Speaker, Voice
from app.suggestions.phrases import Member, members, speakers

PUNCTUATION_BOUNDS = frozenset(',;:()[]"\u00ab\u00bb')
# Words that may be a noun as well as a saying verb: a noun after a determiner or before a verb.
NOUN_TOO = word_set(
    """claims claim reports report questions question doubts doubt estimates estimate dispute
    disputes state states notes warning thought challenges suspect suspects reject"""
)
NOUN_BEFORE = word_set("""of in on for to by with about from his her their its our my your""")
ANAPHORA = {"otherwise": True, "the opposite": True, "the contrary": True}
PRONOUN_CONTENT = frozenset({"so", "this", "that", "it", "as much", "the same"})
AUXILIARIES = word_set(
    """is are was were has have had will would could can may might must should be"""
)
MAX_NP_PART = 6
STRENGTH = {
    "speech_verb": 0.9,
    "according_to": 0.85,
    "quote_before": 0.85,
    "relative_clause": 0.8,
    "shared_subject": 0.75,
    "pronoun": 0.7,
    "relayed_reports": 0.8,
    "text_itself": 0.7,
}


@dataclass(slots=True)
class Clause:
    """A saying verb with its speaker(s), before what was said is read."""

    hit: CueHit
    speakers: list[Speaker]
    voice: Voice
    rule: str
    negated: str | None
    subject: tuple[int, int] | None  # subject tokens before the verb, when there
    verb: int  # first token of the verb group
    after: int  # first token after the verb (and after an inverted speaker)
    relayed: bool = False


def _noun_use(ctx: Context, hit: CueHit) -> bool:
    if hit.j - hit.i != 1 or hit.text.lower() not in NOUN_TOO:
        return False
    toks, lex = ctx.toks, ctx.lex
    before = toks[hit.i - 1] if hit.i > 0 else None
    after = toks[hit.j] if hit.j < len(toks) else None
    if before is not None and (
        before.lower in lex.determiners
        or before.lower in NOUN_BEFORE
        or before.lower.endswith("'s")
        or any(h.i <= hit.i - 1 < h.j for h in ctx.hits if h.cue.role == "speech")
    ):
        return True
    return after is not None and (
        after.lower in lex.verb_group
        or after.lower == "of"
        or any(h.i == hit.j and h.cue.role == "speech" for h in ctx.hits)
    )


def _bound(ctx: Context, k: int, verbs: set[int]) -> bool:
    tok = ctx.toks[k]
    return tok.text in PUNCTUATION_BOUNDS or tok.lower in ctx.lex.boundaries or k in verbs


def _clause(ctx: Context, hit: CueHit, earlier: list[Clause], verbs: set[int]) -> Clause | None:
    toks, lex = ctx.toks, ctx.lex
    k = hit.i - 1
    negated = None
    while k >= 0 and (toks[k].lower in lex.verb_group or toks[k].lower.endswith("n't")):
        if toks[k].lower in lex.negators or toks[k].lower.endswith("n't"):
            negated = toks[k].text
        k -= 1
    verb = k + 1
    rule = "speech_verb"
    if k >= 0 and toks[k].text == ",":
        m = k - 1
        while m >= 0 and toks[m].text not in (",", ";") and k - m < 20:
            m -= 1
        if m > 0 and toks[m].text == "," and toks[m + 1].lower in lex.relatives | lex.determiners:
            k, rule = m - 1, "relative_clause"
        elif m > 0 and toks[m].text == ",":
            # `The spokeswoman, Maria Zakharova, said`: the name between the commas speaks.
            named = [x for x in members(ctx, m + 1, k) if x.kind == "named"]
            if named and named[0].i == m + 1:
                return _named(ctx, hit, named, "relative_clause", negated, verb, (m + 1, k))
    j = k
    while j >= 0 and not _bound(ctx, j, verbs):
        j -= 1
    found = members(ctx, j + 1, k + 1) if k >= 0 else []
    if found:
        return _named(ctx, hit, found, rule, negated, verb, (found[0].i, k + 1))
    before = toks[j] if j >= 0 else None
    if (
        earlier
        and before is not None
        and (
            before.lower in ("but", "and", "yet")
            or (before.text == "," and hit.text.endswith("ing"))
        )
    ):
        last = earlier[-1]
        return Clause(hit, last.speakers, last.voice, "shared_subject", negated, None, verb, hit.j)
    if (before is not None and before.text in '"\u00bb\u201d') or (
        before is not None and before.text == "," and j > 0 and toks[j - 1].text in '"\u00bb\u201d'
    ):
        return _inverted(ctx, hit, negated, verb)
    if before is not None and before.lower in lex.relatives and j > 0 and toks[j - 1].text == ",":
        m = j - 2
        while m >= 0 and not _bound(ctx, m, verbs):
            m -= 1
        found = members(ctx, m + 1, j - 1)
        if found:
            return _named(ctx, hit, found, "relative_clause", negated, verb, None)
    return None


def _named(
    ctx: Context,
    hit: CueHit,
    found: list[Member],
    rule: str,
    negated: str | None,
    verb: int,
    subject: tuple[int, int] | None,
) -> Clause | None:
    kinds = {m.kind for m in found}
    if kinds <= {"report"}:
        return Clause(hit, [], "source", "relayed_reports", negated, subject, verb, hit.j, True)
    if "source" in kinds:
        return Clause(hit, [], "source", "text_itself", negated, subject, verb, hit.j)
    named = [m for m in found if m.kind in ("named", "pronoun")]
    if not named:
        return None
    if all(m.kind == "pronoun" for m in named):
        rule = "pronoun"
    return Clause(hit, speakers(ctx, named), "quoted", rule, negated, subject, verb, hit.j)


def _inverted(ctx: Context, hit: CueHit, negated: str | None, verb: int) -> Clause | None:
    """`“…,” said X.`: the speaker follows the verb."""
    end = hit.j
    while end < len(ctx.toks) and ctx.toks[end].text not in PUNCTUATION_BOUNDS | {".", "!"}:
        end += 1
    found = members(ctx, hit.j, end)
    named = [m for m in found if m.kind in ("named", "pronoun")]
    if not named:
        return None
    return Clause(hit, speakers(ctx, named), "quoted", "quote_before", negated, None, verb, end)


def clauses(ctx: Context, skip: set[int]) -> list[Clause]:
    """Every saying verb of the sentence that has a speaker, in order."""
    found: list[Clause] = []
    speech = [h for h in ctx.hits if h.cue.role == "speech" and h.i not in skip]
    verbs = {k for h in speech for k in range(h.i, h.j)}
    for hit in speech:
        if _noun_use(ctx, hit):
            verbs.difference_update(range(hit.i, hit.j))
            continue
        if any(c.subject and c.subject[0] <= hit.i < c.subject[1] for c in found):
            continue
        clause = _clause(ctx, hit, found, verbs)
        if clause is not None:
            found.append(clause)
    return found
