"""Request and response bodies for actors and affiliations."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from app.schemas import Audit, CountryCode, InputSchema, Name, Settable, UTCDatetime
from app.vocabulary import ActorKind, AffiliationKind, Reliability

Scheme = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, to_lower=True)
]
ExternalValue = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)
]
_AliasList = Annotated[
    list[Name],
    Field(max_length=100, description="Other names the actor goes by (matched by search)."),
]
ExternalIds = Annotated[
    dict[Scheme, ExternalValue],
    Field(
        max_length=20,
        description='Identifiers in other registers, by scheme: `{"wikidata": "Q7747"}`. '
        "A (scheme, value) pair belongs to one actor only.",
        examples=[{"wikidata": "Q7747"}],
    ),
]


def _distinct(values: list[str]) -> list[str]:
    """The aliases without case-insensitive repeats, first spelling kept."""
    by_folded: dict[str, str] = {}
    for value in values:
        by_folded.setdefault(value.casefold(), value)
    return list(by_folded.values())


Aliases = Annotated[_AliasList, AfterValidator(_distinct)]


class ActorCreate(InputSchema):
    """A new actor. (`kind`, `name`) must be unique."""

    kind: ActorKind = Field(description="What sort of actor; `group` is an unnamed collective.")
    name: Name = Field(description="The actor's name as it appears in sources.")
    aliases: Aliases = []
    country: CountryCode | None = None
    description: str | None = Field(default=None, max_length=4000, description="Who this is.")
    external_ids: ExternalIds = {}
    reliability: Reliability | None = Field(
        default=None, description="Admiralty source-reliability grade, A (reliable) to F."
    )


class ActorUpdate(InputSchema):
    """Fields to change; omitted fields keep their values."""

    kind: Settable[ActorKind] = Field(default=None, description="New kind.")
    name: Settable[Name] = Field(default=None, description="New name.")
    aliases: Aliases | None = None
    country: CountryCode | None = None
    description: str | None = Field(default=None, max_length=4000, description="New description.")
    external_ids: ExternalIds | None = None
    reliability: Reliability | None = Field(default=None, description="New reliability grade.")


class ActorOut(Audit):
    """An actor: anyone who can hold a position on a claim."""

    id: uuid.UUID = Field(description="The actor's id.")
    kind: ActorKind = Field(description="What sort of actor.")
    name: str = Field(description="The actor's name.")
    aliases: list[str] = Field(description="Other names.")
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code.")
    description: str | None = Field(description="Who this is.")
    external_ids: dict[str, str] = Field(description="Identifiers in other registers, by scheme.")
    reliability: Reliability | None = Field(description="Admiralty reliability grade.")


# An affiliation's validity interval, as bodies that set it take it.
ValidFrom = Annotated[
    UTCDatetime | None,
    Field(description="Start of the affiliation's validity; null if unknown."),
]
ValidTo = Annotated[
    UTCDatetime | None,
    Field(description="End of the affiliation's validity; null if ongoing or unknown."),
]


class AffiliationCreate(InputSchema):
    """The path's actor belongs to `organization_id` in the given way."""

    organization_id: uuid.UUID = Field(description="The actor the path's actor belongs to.")
    kind: AffiliationKind = Field(description="How the actor belongs.")
    role: str | None = Field(default=None, max_length=400, description="e.g. `Defence Minister`.")
    valid_from: ValidFrom = None
    valid_to: ValidTo = None


class AffiliationUpdate(InputSchema):
    """Fields to change; omitted fields keep their values."""

    kind: Settable[AffiliationKind] = Field(default=None, description="How the actor belongs.")
    role: str | None = Field(default=None, max_length=400, description="The actor's role.")
    valid_from: ValidFrom = None
    valid_to: ValidTo = None


class AffiliationOut(Audit):
    """An actor's membership of, or role in, another actor, with its validity interval."""

    id: uuid.UUID = Field(description="The affiliation's id.")
    actor_id: uuid.UUID = Field(description="The member.")
    organization_id: uuid.UUID = Field(description="The organization it belongs to.")
    kind: AffiliationKind = Field(description="How it belongs.")
    role: str | None = Field(description="The member's role.")
    valid_from: datetime | None = Field(description="Start of validity; null if unknown.")
    valid_to: datetime | None = Field(description="End of validity; null if ongoing or unknown.")
