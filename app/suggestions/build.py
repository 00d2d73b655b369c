"""Turning findings into suggestions: each finding's speakers (as looked up) times its claims
(as matched), with the quote, a score, and a stance body when everything exists. Pure: the
lookups are passed in.

The score is the rule's strength (how reliable its pattern is, 0.5-0.9) x the speaker's factor
(an existing actor 1, a proposed one 0.85) x the claim's factor (0.5 + half the match score for
an existing or given claim, 0.6 for a proposed statement).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.stances.quotes import CONTEXT
from app.stances.schemas import QuoteSpan, StanceCreate
from app.suggestions import matching
from app.suggestions.findings import Finding, Speaker
from app.suggestions.matching import Match, Option
from app.suggestions.schemas import SuggestedClaim, SuggestedSpeaker, SuggestionOut
from app.vocabulary import ActorKind, side_of

PROPOSED_CLAIM_FACTOR = 0.6
MAX_QUOTE = 10_000  # as a stance's quote may be


@dataclass(frozen=True, slots=True)
class Who:
    """A speaker as looked up: the actor, or a proposed name and kind."""

    actor_id: uuid.UUID | None
    name: str
    kind: ActorKind | None
    factor: float


def _matches(
    finding: Finding,
    options: list[Option],
    given: bool,
    earlier: dict[int, list[Match]],
    salient: set[Option],
) -> list[Match]:
    if finding.refers_to:
        quote = finding.targets[0]
        return [
            Match(m.option, m.score, quote)
            for other in finding.refers_to
            for m in earlier.get(id(other), [])
        ]
    if finding.plain:
        return matching.plain(finding.targets, options)
    minimum = matching.GIVEN_MIN if given else matching.MATCH_MIN
    found = matching.best(finding.targets, options, minimum, salient)
    if found is None and not given:
        found = matching.proposal(finding.targets[0])
    return [found] if found is not None else []


def suggestions(
    text: str,
    findings: list[Finding],
    *,
    who: Callable[[Speaker], Who],
    publisher: Who,
    options: Callable[[Finding], list[Option]],
    given: bool,
    source_id: uuid.UUID | None,
) -> list[SuggestionOut]:
    """The suggestions of these findings, in the order of the text, each once."""
    earlier: dict[int, list[Match]] = {}
    out: list[SuggestionOut] = []
    seen: set[tuple[object, ...]] = set()
    salient: set[Option] = set()
    for finding in findings:
        found = _matches(finding, options(finding), given, earlier, salient)
        earlier[id(finding)] = found
        salient.update(m.option for m in found if m.score >= matching.SALIENT_MIN)
        speakers = [who(s) for s in finding.speakers] if finding.voice == "quoted" else [publisher]
        for match in found:
            for speaker in speakers:
                key = (
                    speaker.actor_id or speaker.name,
                    match.option,
                    finding.label,
                    match.target.start,
                    match.target.end,
                )
                if key in seen:
                    continue
                seen.add(key)
                out.append(_item(text, finding, speaker, match, source_id))
    out.sort(key=lambda s: (s.quote_span.start, s.quote_span.end))
    return out


def _item(
    text: str, finding: Finding, speaker: Who, match: Match, source_id: uuid.UUID | None
) -> SuggestionOut:
    start, end = match.target.start, match.target.end
    quote = text[start:end]
    claim_id = match.option.claim_id
    claim_factor = PROPOSED_CLAIM_FACTOR if match.proposed else 0.5 + match.score / 2
    stance = None
    if source_id and speaker.actor_id and claim_id and len(quote) <= MAX_QUOTE:
        stance = StanceCreate(
            claim_id=claim_id,
            actor_id=speaker.actor_id,
            source_id=source_id,
            label=finding.label,
            probability=finding.probability,
            confidence=finding.confidence,
            quote=quote,
        )
    return SuggestionOut(
        speaker=SuggestedSpeaker(
            actor_id=speaker.actor_id,
            name=speaker.name,
            kind=speaker.kind,
            voice=finding.voice,
        ),
        claim=SuggestedClaim(
            claim_id=claim_id, statement=match.option.statement, score=min(match.score, 1.0)
        ),
        label=finding.label,
        side=side_of(finding.label),
        probability=finding.probability,
        confidence=finding.confidence,
        quote=quote,
        quote_span=QuoteSpan(
            start=start,
            end=end,
            prefix=text[max(0, start - CONTEXT) : start],
            suffix=text[end : end + CONTEXT],
        ),
        cues=finding.cues,
        rule=finding.rule,
        score=round(min(1.0, finding.strength * speaker.factor * claim_factor), 3),
        stance=stance,
    )
