"""Request and response bodies for stance suggestions."""

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.claims.schemas import Statement
from app.schemas import InputSchema
from app.stances.schemas import QuoteSpan, StanceCreate
from app.vocabulary import ActorKind, Confidence, StanceLabel, StanceSide

# A long article is some 10,000 words; the bound keeps one request's work in hand.
MAX_TEXT = 200_000
MAX_CLAIMS = 100

Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TEXT),
    Field(description=f"Text to read, not stored (at most {MAX_TEXT:,} characters)."),
]
Language = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$", max_length=35),
    Field(
        description="The text's language (BCP 47); its cue lexicon is used. Default: the "
        "source's language, else `en`.",
        examples=["en"],
    ),
]


class Voice(StrEnum):
    """Whose words: `quoted`, attributed speech; `source`, the text's own voice."""

    quoted = "quoted"
    source = "source"


class SuggestionRequest(InputSchema):
    """Either `source_id` (its stored text, publisher and date) or `text`; optionally the claims
    to look for, by id or by statement."""

    source_id: uuid.UUID | None = Field(
        default=None, description="A source holding its text: the text to read."
    )
    text: Text | None = None
    claim_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=MAX_CLAIMS,
        description="Look only for stances on these claims.",
    )
    claims: list[Statement] | None = Field(
        default=None,
        max_length=MAX_CLAIMS,
        description="Look only for stances on these statements (an existing claim's statement "
        "is matched to that claim).",
    )
    language: Language | None = None


class SuggestedSpeaker(BaseModel):
    """Who takes the stance: an existing actor, or a name (and kind) proposed from the text."""

    actor_id: uuid.UUID | None = Field(description="The matching actor; null when none exists.")
    name: str = Field(description="The actor's name, or the name the text gives.")
    kind: ActorKind | None = Field(description="The actor's kind, or the kind the words give.")
    voice: Voice = Field(
        description="`quoted`: attributed speech (`X said`, `according to X`, a quotation); "
        "`source`: the text's own voice (`reportedly`, `it is unclear whether`, a hedged "
        "headline), spoken for by the source's publisher."
    )


class SuggestedClaim(BaseModel):
    """The claim the stance is about: a given or existing one, else a proposed statement."""

    claim_id: uuid.UUID | None = Field(description="The claim; null for a proposed statement.")
    statement: str = Field(description="The claim's statement, or the one proposed.")
    score: float = Field(ge=0, le=1, description="How well the quote's words fit it, 0-1.")


class SuggestionOut(BaseModel):
    """A stance the text appears to hold, with the words and rule that found it."""

    speaker: SuggestedSpeaker = Field(description="Who takes the stance.")
    claim: SuggestedClaim = Field(description="What it is about.")
    label: StanceLabel = Field(description="The stance, from the controlled vocabulary.")
    side: StanceSide = Field(description="The label's side.")
    probability: float | None = Field(
        description="A probability the words state (`a 70% chance`); null otherwise."
    )
    confidence: Confidence | None = Field(description="An analytic confidence the words state.")
    quote: str = Field(description="The words, verbatim from the text.")
    quote_span: QuoteSpan = Field(description="Where the quote is in the text.")
    cues: list[str] = Field(description="The words that decided the label, as in the text.")
    rule: str = Field(
        description="The pattern that found it (`speech_verb`, `according_to`, "
        "`quote_before`, `relayed`, `hedged`, `plain`, …; see docs/suggestions.md)."
    )
    score: float = Field(ge=0, le=1, description="How sure the suggestion is, 0-1.")
    stance: StanceCreate | None = Field(
        description="A body for `POST /v1/stances`, when the actor, the claim and the source "
        "all exist; null otherwise."
    )


class SuggestionsOut(BaseModel):
    """The stances a text appears to hold, in the order of the text."""

    items: list[SuggestionOut] = Field(description="The suggestions.")
    language: str = Field(description="The language whose cue lexicon was used.")
