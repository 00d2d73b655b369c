"""The description of one kind of owned link: its table, its two ends, its bodies, its
checks and its routes' names and words."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.models import Affiliation, Citation, ClaimRelation
from app.models.base import Base

# The link tables: each has an id, a version, a `kind` and a `created_by` besides its ends.
Row = TypeVar("Row", bound=Affiliation | Citation | ClaimRelation)
# The bodies: a new link, a change to one, a link as read.
New = TypeVar("New", bound=BaseModel)
Edit = TypeVar("Edit", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)


def no_check(fields: Mapping[str, Any]) -> None:
    """The check of a kind whose links need none beyond the shared ones."""


@dataclass(frozen=True, kw_only=True)
class End:
    """One end of a link: the table it points into, the record's name in errors (`actor`),
    and the link's column holding its id (`Affiliation.actor_id`)."""

    model: type[Base]
    entity: str
    column: InstrumentedAttribute[uuid.UUID]

    @property
    def key(self) -> str:
        """The column's name, which is also the field's name in bodies (`organization_id`)."""
        return self.column.key


@dataclass(frozen=True, kw_only=True)
class LinkDocs:
    """The kind's own words in the API docs; the routes add what every kind shares."""

    create_summary: str
    create: str  # what a new link records
    update: str  # what a change may change
    outgoing: str  # what `direction=outgoing` lists
    incoming: str  # what `direction=incoming` lists


@dataclass(frozen=True, kw_only=True)
class LinkKind(Generic[Row, New, Edit, Out]):
    """One kind of owned link. The owner's path holds its links
    (`/v1/actors/{actor_id}/affiliations`); a link is read under either of its ends, and
    changed or deleted only under its owner."""

    entity: str  # the link's name in errors and history: `affiliation`, `claim relation`
    model: type[Row]
    owner: End
    other: End
    # The columns, besides both ends, that tell two links between the same records apart
    # (the table's unique constraint; NULLs compare equal here, unlike in the constraint).
    distinct_by: tuple[InstrumentedAttribute[Any], ...]
    kinds: type[StrEnum]  # the vocabulary of the `kind` column
    self_link: str  # why a link from a record to itself is refused
    create_schema: type[New]
    update_schema: type[Edit]
    out_schema: type[Out]
    # A link's own rules, given its fields by name (its columns as created or changed).
    check: Callable[[Mapping[str, Any]], None] = field(default=no_check)
    # What else must follow when one of the owner's links is created or deleted (a source's
    # kept origins follow its citations); given the owner's id, in the same transaction.
    follow: Callable[[AsyncSession, uuid.UUID], Awaitable[None]] | None = None
    segment: str  # the owner's sub-path: `affiliations`, `relations`
    link_param: str  # the link id's path parameter: `affiliation_id`, `relation_id`
    docs: LinkDocs

    @property
    def name(self) -> str:
        """The snake_case name in operation ids: `affiliation`, `claim_relation`."""
        return self.entity.replace(" ", "_")
