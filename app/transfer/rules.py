"""The services' own input rules, applied to imported records.

An import must accept exactly what the API accepts, so these call the very checks the
services run (they raise `InvalidField` naming the field) rather than restating them. Each
takes a validated `XCreate` schema and returns what the check derived (normalized values).
"""

from typing import Any

from app.actors import service as actors
from app.claims import service as claims
from app.sources import service as sources
from app.stances import rules as stance_rules
from app.transfer.history import dashed

NOTHING: dict[str, Any] = {}  # what a check derives when it derives nothing (never mutated)


def check_affiliation(data: Any) -> dict[str, Any]:
    """valid_from <= valid_to."""
    actors.check_interval(data.valid_from, data.valid_to)
    return NOTHING


def check_claim(data: Any) -> dict[str, Any]:
    """occurred_from <= occurred_to; the statement's natural key."""
    claims.check_interval(data.occurred_from, data.occurred_to)
    return {"statement_key": claims.statement_key(data.statement)}


def check_source(data: Any) -> dict[str, Any]:
    """The normalized URL, and the content hash (which must match the text when both are
    given)."""
    return {
        "url": sources.normalized_url(data.url),
        "content_hash": sources.content_hash_for(data.text, data.content_hash),
    }


def check_stance(data: Any) -> dict[str, Any]:
    """The probability inside the label's band; a retraction source only with a retraction
    date, not before the stance (checked again once the source's date is known)."""
    if data.probability is not None:
        stance_rules.check_band(data.label, data.probability)
    if data.retracted_at is not None or data.retraction_source_id is not None:
        stance_rules.check_retraction(data.retracted_at, data.retraction_source_id, data.stated_at)
    return NOTHING


def check_retraction(data: Any, stated_at: Any) -> None:
    """The retraction rule against the stance's effective date."""
    stance_rules.check_retraction(data.retracted_at, data.retraction_source_id, stated_at)


def anchor_quote(
    source_id: str, quote: str, text: str
) -> tuple[str, int | None, int | None, str | None, str | None]:
    """The quote as the source words it, its span and context; InvalidField
    (quote-not-in-source) when the text does not contain it."""
    span = stance_rules.quote_span(dashed(source_id), quote, text)
    return span.exact, span.start, span.end, span.prefix, span.suffix
