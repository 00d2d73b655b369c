"""Request and response bodies for claims and claim relations."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, computed_field, field_validator

from app.schemas import Audit, InputSchema, Settable, Tag, UTCDatetime
from app.vocabulary import ClaimRelationKind, StanceLabel, StanceSide

Statement = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    Field(
        description="One proposition that can be true or false, stated canonically.",
        examples=["North Korean military personnel are deployed with Russian forces in Ukraine"],
    ),
]


Tags = Annotated[list[Tag], Field(max_length=50, description="Lower-case topic tags.")]
AboutIds = Annotated[
    list[uuid.UUID], Field(max_length=100, description="Actors the claim is about.")
]
OccurredFrom = Annotated[
    UTCDatetime | None, Field(description="When the claimed event began, if known.")
]
OccurredTo = Annotated[
    UTCDatetime | None, Field(description="When the claimed event ended, if known.")
]


class ClaimCreate(InputSchema):
    """A new claim. Statements are unique (compared case- and whitespace-insensitively)."""

    statement: Statement
    tags: Tags = []
    about_actor_ids: AboutIds = []
    occurred_from: OccurredFrom = None
    occurred_to: OccurredTo = None

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, tags: list[str]) -> list[str]:
        return sorted(set(tags))


class ClaimUpdate(InputSchema):
    """Fields to change; omitted fields keep their values. Lists replace the old ones."""

    statement: Settable[Statement] = None
    tags: Tags | None = None
    about_actor_ids: AboutIds | None = None
    occurred_from: OccurredFrom = None
    occurred_to: OccurredTo = None

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else sorted(set(tags))


class SideSummary(BaseModel):
    """How many stances and distinct actors are on one side."""

    stances: int = Field(description="Stances on this side (retracted ones excluded).")
    actors: int = Field(description="Distinct actors with a stance on this side.")


class ClaimSummary(BaseModel):
    """Where the record stands on a claim (retracted stances excluded)."""

    total: int = Field(description="All current stances on the claim.")
    by_side: dict[StanceSide, SideSummary] = Field(description="Counts per side.")
    by_label: dict[StanceLabel, int] = Field(description="Counts per label (zero labels omitted).")
    contested: bool = Field(description="True when both support and dispute have a stance.")
    first_stated_at: datetime | None = Field(description="Earliest stance date.")
    latest_stated_at: datetime | None = Field(description="Latest stance date.")
    retracted: int = Field(description="Stances that were retracted (not counted above).")
    support_probability: "ProbabilitySummary | None" = Field(
        description="How likely the support side holds the claim to be; null when no "
        "supporting stance carries a probability (e.g. all `asserted`)."
    )


class ProbabilitySummary(BaseModel):
    """The support side's probabilities: each stance's explicit probability, else its label's
    band midpoint (labels without a band, such as `asserted`, are left out)."""

    median: float = Field(description="Median probability.")
    low: float = Field(description="Lowest probability.")
    high: float = Field(description="Highest probability.")
    stances: int = Field(description="How many stances carry a probability.")


def page_links(claim_id: uuid.UUID) -> dict[str, str]:
    """A claim's `links`: its page in the explorer."""
    return {"page": f"/explore/claims/{claim_id}"}


class ClaimLinks(BaseModel):
    """Where else the claim can be read."""

    page: str = Field(
        description="The claim's page in the explorer, for people (HTML): its sides, stances, "
        "timeline and provenance.",
        examples=["/explore/claims/0192a1b2-0000-7000-8000-000000000000"],
    )


class ClaimOut(Audit):
    """A claim: one proposition, stated once."""

    id: uuid.UUID = Field(description="The claim's id.")
    statement: str = Field(description="The proposition.")
    tags: list[str] = Field(description="Topic tags.")
    about_actor_ids: list[uuid.UUID] = Field(description="Actors the claim is about.")
    occurred_from: datetime | None = Field(description="When the claimed event began.")
    occurred_to: datetime | None = Field(description="When the claimed event ended.")

    # Computed from the id, so that every ClaimOut built anywhere carries it; the reads that
    # write rows straight to JSON add the same value last (claims.service, claims.search).
    @computed_field(  # type: ignore[prop-decorator]
        description="Links to the claim elsewhere: its explorer page."
    )
    @property
    def links(self) -> ClaimLinks:
        return ClaimLinks(**page_links(self.id))


class ClaimDetail(ClaimOut):
    """A claim with its summary: who is on which side, and since when."""

    summary: ClaimSummary = Field(description="Counts by side and label, contested or not.")


class ClaimRelationCreate(InputSchema):
    """The path's claim relates to `related_claim_id` in the given way."""

    related_claim_id: uuid.UUID = Field(description="The other claim.")
    kind: ClaimRelationKind = Field(
        description="`refines`: the path's claim is a more specific case of the other."
    )


class ClaimRelationUpdate(InputSchema):
    """The new kind of relation."""

    kind: ClaimRelationKind = Field(description="How the claims relate.")


class ClaimRelationOut(Audit):
    """A relation from one claim to another."""

    id: uuid.UUID = Field(description="The relation's id.")
    claim_id: uuid.UUID = Field(description="The claim the relation starts from.")
    related_claim_id: uuid.UUID = Field(description="The claim it points to.")
    kind: ClaimRelationKind = Field(description="How they relate.")


class SimilarClaim(BaseModel):
    """An existing claim like a given text, with how alike they are."""

    id: uuid.UUID = Field(description="The claim's id.")
    statement: str = Field(description="The claim's statement.")
    score: float = Field(
        ge=0, le=1, description="How alike, 0-1: shared content words and trigrams."
    )


class SimilarClaims(BaseModel):
    """Existing claims ranked by similarity to a text, most similar first."""

    items: list[SimilarClaim] = Field(description="The claims, most similar first.")
    next_cursor: str | None = Field(
        default=None, description="Always null: the ranking is one page of `limit` claims."
    )
