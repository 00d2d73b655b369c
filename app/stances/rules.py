"""What a stance must satisfy beyond its schema: a probability inside its label's band, a
retraction not before the stance, a quote that occurs in its source's text. Shared by the
stance service and the bulk import, so both refuse exactly the same stances."""

import uuid
from datetime import datetime

from app.errors import InvalidField
from app.stances.quotes import QuoteSpan, locate_quote
from app.stances.schemas import StanceCreate
from app.vocabulary import probability_problem


def check_band(label: str, probability: float | None) -> None:
    """422 (probability-outside-band) unless the probability fits the label's band."""
    problem = probability_problem(label, probability)
    if problem is not None:
        raise InvalidField("probability", problem, type="probability-outside-band")


def check_retraction(
    retracted_at: datetime | None,
    retraction_source_id: uuid.UUID | None,
    stated_at: datetime | None,
) -> None:
    """422 for a retraction source without a retraction date, or a retraction before the
    stance was stated."""
    if retraction_source_id is not None and retracted_at is None:
        raise InvalidField("retracted_at", "is required when retraction_source_id is given")
    if retracted_at is not None and stated_at is not None and retracted_at < stated_at:
        raise InvalidField("retracted_at", "must not be before stated_at")


def check_stance(data: StanceCreate) -> None:
    """The rules a new stance's own fields must meet, before its source's date and text are
    known: `check_band`, and `check_retraction` against its own date."""
    check_band(data.label, data.probability)
    if data.retracted_at is not None or data.retraction_source_id is not None:
        check_retraction(data.retracted_at, data.retraction_source_id, data.stated_at)


def quote_span(source_id: object, quote: str, text: str) -> QuoteSpan:
    """Where the quote sits in the source's text; 422 (quote-not-in-source) if it does not."""
    span = locate_quote(text, quote)
    if span is None:
        raise InvalidField(
            "quote",
            f"does not occur in the text of source {source_id}",
            type="quote-not-in-source",
        )
    return span
