"""Request and response bodies for stances."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.schemas import Audit, InputSchema, Settable, UTCDatetime
from app.vocabulary import ActorKind, Confidence, StanceLabel, StanceSide

Probability = Annotated[
    float,
    Field(
        ge=0,
        le=1,
        description="The actor's stated probability, 0-1; must fall inside the "
        "label's band where the label has one (see `/v1/vocabulary/stances`).",
        examples=[0.9],
    ),
]
Quote = Annotated[
    str,
    Field(
        min_length=1,
        max_length=10_000,
        description="The actor's words, verbatim. When the "
        "source holds its text the quote must occur in it (typographic quotes, dashes and "
        "spacing may differ); the stored quote is the source's own wording.",
    ),
]


class StanceCreate(InputSchema):
    """Actor `actor_id`, as recorded in source `source_id`, takes stance `label` on `claim_id`."""

    claim_id: uuid.UUID = Field(description="The claim the stance is on.")
    actor_id: uuid.UUID = Field(description="The actor taking the stance.")
    source_id: uuid.UUID = Field(description="The source recording it.")
    label: StanceLabel = Field(description="The stance, from the controlled vocabulary.")
    probability: Probability | None = None
    confidence: Confidence | None = Field(
        default=None, description="How sure the actor says it is of its own judgement."
    )
    quote: Quote | None = None
    stated_at: UTCDatetime | None = Field(
        default=None, description="When it was said; defaults to the source's publication date."
    )
    retracted_at: UTCDatetime | None = Field(default=None, description="When it was retracted.")
    retraction_source_id: uuid.UUID | None = Field(
        default=None, description="The source showing the retraction."
    )


class StanceUpdate(InputSchema):
    """Fields to change; omitted fields keep their values. The claim, actor and source of a
    stance are fixed: record a new stance instead."""

    label: Settable[StanceLabel] = Field(default=None, description="The new label.")
    probability: Probability | None = None
    confidence: Confidence | None = Field(default=None, description="The new confidence.")
    quote: Quote | None = None
    stated_at: UTCDatetime | None = Field(default=None, description="When it was said.")
    retracted_at: UTCDatetime | None = Field(default=None, description="When it was retracted.")
    retraction_source_id: uuid.UUID | None = Field(
        default=None, description="The source showing the retraction."
    )


class QuoteSpan(BaseModel):
    """Where the quote sits in the source's text, in characters, with context either side
    (a W3C Web Annotation TextPositionSelector plus TextQuoteSelector)."""

    start: int = Field(description="Offset of the first character.")
    end: int = Field(description="Offset just past the last character.")
    prefix: str = Field(description="Up to 32 characters before the quote.")
    suffix: str = Field(description="Up to 32 characters after the quote.")


class BandOut(BaseModel):
    """A label's probability band."""

    low: float = Field(description="Lower bound, inclusive.")
    high: float = Field(description="Upper bound, inclusive.")


class ActorRef(BaseModel):
    """The actor of a stance, embedded."""

    id: uuid.UUID = Field(description="The actor's id.")
    name: str = Field(description="The actor's name.")
    kind: ActorKind = Field(description="What sort of actor.")


class PublisherRef(BaseModel):
    """A source's publisher, embedded."""

    id: uuid.UUID = Field(description="The publishing actor's id.")
    name: str = Field(description="The publishing actor's name.")


class SourceHeading(BaseModel):
    """What every embedded source opens with (its other fields follow in each body)."""

    id: uuid.UUID = Field(description="The source's id.")
    title: str = Field(description="Title or headline.")
    url: str | None = Field(description="Normalized URL.")


class SourceRef(SourceHeading):
    """The source of a stance, embedded."""

    publisher_id: uuid.UUID | None = Field(description="The publishing actor.")
    publisher: PublisherRef | None = Field(description="The publishing actor, embedded.")
    published_at: datetime | None = Field(description="When it was published.")


class ClaimRef(BaseModel):
    """The claim of a stance, embedded."""

    id: uuid.UUID = Field(description="The claim's id.")
    statement: str = Field(description="The proposition.")


class StanceOut(Audit):
    """Actor A, as recorded in source S, takes stance T on claim C, at a time, in these words."""

    id: uuid.UUID = Field(description="The stance's id.")
    claim_id: uuid.UUID = Field(description="The claim.")
    actor_id: uuid.UUID = Field(description="The actor.")
    source_id: uuid.UUID = Field(description="The source.")
    label: StanceLabel = Field(description="The stance.")
    side: StanceSide = Field(description="Derived from the label: support, neutral or dispute.")
    probability: float | None = Field(description="Explicit probability, if one was stated.")
    band: BandOut | None = Field(description="The label's probability band, if it has one.")
    confidence: Confidence | None = Field(description="Stated analytic confidence.")
    quote: str | None = Field(description="The actor's words, verbatim from the source.")
    quote_span: QuoteSpan | None = Field(
        description="Where the quote is in the source's text; null when the text is not held."
    )
    stated_at: datetime | None = Field(description="When it was said.")
    recorded_by: str | None = Field(description="Who recorded the stance.")
    retracted_at: datetime | None = Field(description="When it was retracted; null if current.")
    retraction_source_id: uuid.UUID | None = Field(description="The source showing the retraction.")
    actor: ActorRef = Field(description="The actor, embedded.")
    source: SourceRef = Field(description="The source, embedded.")
    claim: ClaimRef = Field(description="The claim, embedded.")
