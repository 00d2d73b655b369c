"""A record on its way into the database, the problems found with its line, and the
declaration of a record type: its schema, its refs, its input rules and its upsert.

A line's fields are validated by the resource's own `XCreate` schema, each ref standing in for
the id field it replaces (`publisher` for `publisher_id`, ...), so an import accepts exactly
what the API accepts.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from pydantic import BaseModel

from app.ingest.keyindex import Target

if TYPE_CHECKING:
    from app.ingest.context import Context

HexId = str  # a UUID as 32 hex digits: SQLite's storage form, which COPY also takes


class LineError(NamedTuple):
    """One problem with one line of the input."""

    line: int
    field: str
    message: str
    type: str


class NaturalRef(NamedTuple):
    """A reference by natural key: `("external_id", scheme, value)`, `("kind_name", kind,
    name)`, `("url", normalized)` or `("statement", statement)`."""

    kind: str
    a: str
    b: str = ""


Ref = str | NaturalRef


@dataclass(frozen=True, slots=True)
class Derived:
    """What a record type's rules derive from its fields: a source's normalized URL and
    content hash."""

    url: str | None = None
    content_hash: str | None = None


NOTHING = Derived()  # what a check derives when it derives nothing


Schema = TypeVar("Schema", bound=BaseModel, covariant=True)


@dataclass(slots=True, eq=False)
class Record(Generic[Schema]):
    """A valid line, on its way into the database; `Record[SourceCreate]` is a source's."""

    line: int
    type: str
    key: str
    id: uuid.UUID | None
    data: Schema  # the XCreate schema, refs still placeholders
    present: frozenset[str]  # the NDJSON fields the line gives
    refs: dict[str, Ref | list[Ref] | None]
    derived: Derived  # what the type's input rules derived (normalized URL, content hash)
    # Filled in batch by batch: where each ref leads (a ref not given is absent from `one`).
    one: dict[str, Target] = field(default_factory=dict)
    many: dict[str, list[Target]] = field(default_factory=dict)
    target: HexId | None = None  # the record's id in the database
    outcome: str | None = None  # created / updated / unchanged
    failed: bool = False
    # A source's, once it is matched or created: for the stances that quote it.
    has_text: bool = False
    published_at: datetime | None = None


AnyRecord = Record[BaseModel]  # a record of any type


@dataclass(frozen=True, slots=True)
class RefField:
    """A field that refers to another record, and the schema field it stands for."""

    name: str
    target: str
    schema_field: str | None
    many: bool = False
    required: bool = True


def renamed(refs: tuple[RefField, ...]) -> dict[str, str]:
    """A ref's name on a line, by the schema field it stands for."""
    return {r.schema_field: r.name for r in refs if r.schema_field}


# Writes one batch of a type's records (`Record[SourceCreate]`, ...): creates the new ones,
# updates the changed ones, and notes each record's outcome or error.
Upsert = Callable[["Context", list[Record[Any]]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Spec:
    """A record type of an import, declared by its own package."""

    name: str
    schema: "type[BaseModel]"
    refs: tuple[RefField, ...]
    upsert: Upsert
    # Takes the type's own schema; what it derives, if anything (else None).
    check: Callable[[Any], Derived | None] | None = None

    @property
    def id_fields(self) -> frozenset[str]:
        return frozenset(r.schema_field for r in self.refs if r.schema_field)

    @property
    def renamed(self) -> dict[str, str]:
        """A ref's name on a line, by the schema field it stands for."""
        return renamed(self.refs)
