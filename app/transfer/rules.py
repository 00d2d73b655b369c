"""The services' own input rules, applied to imported records.

An import must accept exactly what the API accepts, so these call the very checks the
services run (they raise `InvalidField` naming the field) rather than restating them. Each
takes a validated `XCreate` schema and returns what the check derived (normalized values).
"""

from dataclasses import dataclass

from app.sources import rules as source_rules
from app.sources.schemas import SourceCreate
from app.stances import rules as stance_rules
from app.stances.schemas import StanceCreate


@dataclass(frozen=True, slots=True)
class Derived:
    """What a record type's rules derive from its fields: a source's normalized URL and
    content hash."""

    url: str | None = None
    content_hash: str | None = None


NOTHING = Derived()  # what a check derives when it derives nothing


def check_source(data: SourceCreate) -> Derived:
    """The normalized URL, and the content hash (which must match the text when both are
    given)."""
    return Derived(
        url=source_rules.normalized_url(data.url),
        content_hash=source_rules.content_hash_for(data.text, data.content_hash),
    )


def check_stance(data: StanceCreate) -> Derived:
    """The probability inside the label's band; a retraction source only with a retraction
    date, not before the stance (checked again, by `create_stances`, once the source's date
    is known)."""
    stance_rules.check_stance(data)
    return NOTHING
