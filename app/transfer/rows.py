"""The rows an import writes in bulk: one NamedTuple per table, its fields the table's columns
in order, so a row is both what COPY and executemany take (app/db/bulk.py) and readable by
name. (Stances, claims and links are written by their packages' writes.py, their rows built
from their schemas.)

Ids are 32 hex digits (`HexId`): SQLite's own storage form of a UUID, which COPY also takes,
so neither write path converts them; timestamps are aware UTC datetimes.
"""

from datetime import datetime
from typing import NamedTuple

HexId = str  # a UUID as 32 hex digits


class ActorRow(NamedTuple):
    id: HexId
    kind: str
    name: str
    name_folded: str
    country: str | None
    description: str | None
    reliability: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class AliasRow(NamedTuple):
    actor_id: HexId
    alias: str
    alias_folded: str
    position: int


class ExternalIdRow(NamedTuple):
    actor_id: HexId
    scheme: str
    value: str


class SourceRow(NamedTuple):
    id: HexId
    kind: str
    title: str
    url: str | None
    publisher_id: HexId | None
    published_at: datetime | None
    retrieved_at: datetime | None
    language: str | None
    content_hash: str | None
    text: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class AuthorRow(NamedTuple):
    source_id: HexId
    actor_id: HexId
    position: int
