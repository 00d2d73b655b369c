"""Finding the claim a stance is about, among the claims given or found (pure; the scores are
`app.claims.similarity`'s).

- A stance with a cue is about its best-matching claim when the score reaches `MATCH_MIN`;
  else, when no claims were given, its words are proposed as a new statement.
- A plain statement of the text (no cue at all) is kept only for the claims it matches at
  `PLAIN_MIN` or more: most of what a text states is narration, not a claim of interest.
"""

import re
import uuid
from dataclasses import dataclass

from app.claims.similarity import similarity
from app.suggestions.findings import Target

MATCH_MIN = 0.3
PLAIN_MIN = 0.5
# Against the claims a request names, a looser fit is enough: they are what to look for.
GIVEN_MIN = 0.25
MAX_STATEMENT = 4000
SALIENCE = 0.05
# A claim matched this well is one the text speaks of.
SALIENT_MIN = 0.5
FRAME = re.compile(
    r"^(?:it\s+(?:is|was|remains)\s+[^,]{0,40}?\s+that\s+|that\s+|whether\s+|"
    r"(?:reports|claims|allegations|accusations|rumou?rs)\s+(?:of|that)\s+)",
    re.IGNORECASE,
)
ADVERBS = re.compile(
    r"\s*\b(?:reportedly|allegedly|purportedly|supposedly|possibly|probably|perhaps|"
    r"apparently|presumably)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Option:
    """A claim a stance may be about: an existing one (with its id) or a given statement."""

    claim_id: uuid.UUID | None
    statement: str


@dataclass(frozen=True, slots=True)
class Match:
    """The claim chosen for a stance, how well it fits, and the words that fit it."""

    option: Option
    score: float
    target: Target
    proposed: bool = False


def _scored(targets: list[Target], options: list[Option]) -> list[Match]:
    return [
        Match(option, similarity(target.match_text, option.statement), target)
        for target in targets
        for option in options
        if target.match_text
    ]


def best(
    targets: list[Target], options: list[Option], minimum: float, salient: set[Option]
) -> Match | None:
    """The best-fitting (target, claim) pair at or above `minimum`; a claim the text was
    already found to speak of (`salient`) ranks `SALIENCE` higher (texts keep to their
    subject), and on a tie the first target (the plainest reading) wins."""
    found, rank = None, 0.0
    for match in _scored(targets, options):
        key = match.score + (SALIENCE if match.option in salient else 0.0)
        if match.score >= minimum and (found is None or key > rank):
            found, rank = match, key
    return found


def plain(targets: list[Target], options: list[Option]) -> list[Match]:
    """For each target, its best claim at `PLAIN_MIN` or more; each claim once, with its
    best-fitting target."""
    by_target: dict[tuple[int, int], Match] = {}
    for match in _scored(targets, options):
        key = (match.target.start, match.target.end)
        if match.score >= PLAIN_MIN and (
            key not in by_target or match.score > by_target[key].score
        ):
            by_target[key] = match
    by_claim: dict[Option, Match] = {}
    for match in by_target.values():
        kept = by_claim.get(match.option)
        if kept is None or match.score > kept.score:
            by_claim[match.option] = match
    return sorted(by_claim.values(), key=lambda m: m.target.start)


def proposal(target: Target) -> Match:
    """The words of a stance proposed as a new claim's statement: without the frame that
    introduced them (`it is highly likely that`, `reports of`), the hedging adverbs and the
    quotation marks."""
    text = re.sub(r"[\"\u201c\u201d\u201e\u00ab\u00bb]", "", target.match_text)
    text = ADVERBS.sub("", text)
    while (found := FRAME.match(text)) is not None and found.end() < len(text):
        text = text[found.end() :]
    text = " ".join(text.split()).strip(" ,;:.")[:MAX_STATEMENT]
    statement = text[:1].upper() + text[1:]
    return Match(Option(None, statement), similarity(target.match_text, statement), target, True)
