"""What a claim must satisfy beyond its schema, and its natural key. Shared by the claim
service and the bulk import, so both refuse, and match, exactly the same claims."""

import hashlib
from datetime import datetime

from app.claims.schemas import ClaimCreate
from app.errors import InvalidField


def statement_key(statement: str) -> str:
    """The natural key of a statement: SHA-256 of its case-folded, space-collapsed form."""
    return hashlib.sha256(" ".join(statement.casefold().split()).encode()).hexdigest()


def check_interval(occurred_from: datetime | None, occurred_to: datetime | None) -> None:
    """422 for an event that ends before it begins."""
    if occurred_from is not None and occurred_to is not None and occurred_from > occurred_to:
        raise InvalidField("occurred_to", "must not be before occurred_from")


def check_claim(data: ClaimCreate) -> None:
    """The rules a new claim's own fields must meet: `check_interval`."""
    check_interval(data.occurred_from, data.occurred_to)
