"""The rows an import writes in bulk: one NamedTuple per table, its fields the table's columns
in order, so a row is both what COPY and executemany take (app/db/bulk.py) and readable by
name. (Stances, actors and sources are written by their packages' writes.py, their rows
built from their schemas.)

Ids are 32 hex digits (`HexId`): SQLite's own storage form of a UUID, which COPY also takes,
so neither write path converts them; timestamps are aware UTC datetimes.
"""

from datetime import datetime
from typing import NamedTuple

HexId = str  # a UUID as 32 hex digits


class AffiliationRow(NamedTuple):
    id: HexId
    actor_id: HexId
    organization_id: HexId
    kind: str
    role: str | None
    valid_from: datetime | None
    valid_to: datetime | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class CitationRow(NamedTuple):
    id: HexId
    source_id: HexId
    cited_source_id: HexId
    kind: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class RelationRow(NamedTuple):
    id: HexId
    claim_id: HexId
    related_claim_id: HexId
    kind: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class ClaimRow(NamedTuple):
    id: HexId
    statement: str
    statement_key: str
    occurred_from: datetime | None
    occurred_to: datetime | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class TagRow(NamedTuple):
    claim_id: HexId
    tag: str


class SubjectRow(NamedTuple):
    claim_id: HexId
    actor_id: HexId
    position: int


class StatsRow(NamedTuple):
    """A new claim's counters: zero (the columns' defaults) until the import's recount."""

    claim_id: HexId
    activity_at: datetime
