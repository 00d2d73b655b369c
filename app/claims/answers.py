"""Response bodies for the questions asked of a claim: its stances by side, roll-ups by
affiliation, timeline, provenance, related claims, and search results."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.claims.schemas import ClaimOut
from app.stances.schemas import ActorRef, ClaimRef, SourceHeading, StanceOut
from app.vocabulary import ActorKind, ClaimRelationKind, StanceLabel, StanceSide


class ClaimStanceOut(StanceOut):
    """A stance on the claim, or (with `include=implied`) a supporting stance on a claim that
    contradicts it, which counts as an implied dispute."""

    implied: bool = Field(description="True for an implied disputer (see `via_claim_id`).")
    via_claim_id: uuid.UUID | None = Field(
        description="For an implied stance: the contradicting claim the actor supports."
    )


class GroupOut(BaseModel):
    """Actors on one side gathered under a group: themselves, their top organization, or
    their country."""

    key: str | None = Field(
        description="Actor id, organization id or country code; null for "
        "actors whose country is unknown."
    )
    name: str = Field(description="The group's display name.")
    kind: ActorKind | None = Field(description="The grouping actor's kind (null for countries).")
    stances: int = Field(description="Stances on this side by the group's members.")
    labels: dict[StanceLabel, int] = Field(description="Those stances by label.")
    actors: list[ActorRef] = Field(description="The members with a stance on this side.")


class SidesOut(BaseModel):
    """Who is on each side of a claim, rolled up."""

    claim_id: uuid.UUID = Field(description="The claim.")
    group_by: str = Field(description="`actor`, `organization` or `country`.")
    as_of: datetime | None = Field(description="The date the record is read as of, if any.")
    sides: dict[StanceSide, list[GroupOut]] = Field(description="Groups per side, largest first.")


class TimelineEntry(StanceOut):
    """A stance in time order, marked when its actor changed position."""

    at: datetime = Field(description="When it was said (`stated_at`, else when recorded).")
    previous_label: StanceLabel | None = Field(
        description="The actor's label in its previous stance on this claim, if any."
    )
    position_changed: bool = Field(
        description="True when the actor took a different label before on this claim."
    )


class CitationEdge(BaseModel):
    """One citation link in a chain."""

    source_id: uuid.UUID = Field(description="The citing source.")
    cited_source_id: uuid.UUID = Field(description="The cited source.")
    kind: str = Field(description="cites, quotes, republishes or translates.")


class SourceBrief(SourceHeading):
    """A source, briefly."""

    published_at: datetime | None = Field(description="When it was published.")


class SourceProvenance(BaseModel):
    """A source behind stances on one side, and where it derives from."""

    source: SourceBrief = Field(description="The source recording the stances.")
    stances: int = Field(description="Stances on this side recorded in it.")
    origins: list[uuid.UUID] = Field(
        description="The primary sources its citation chain leads back to (itself if it "
        "cites nothing)."
    )
    chain: list[CitationEdge] = Field(description="Every citation reachable from it.")


class SideProvenance(BaseModel):
    """The evidence on one side."""

    stances: int = Field(description="Current stances on this side.")
    independent_origins: int = Field(
        description="Distinct primary sources behind the side: stances whose sources all "
        "derive from one primary source count once."
    )
    origins: list[SourceBrief] = Field(description="Those primary sources.")
    sources: list[SourceProvenance] = Field(description="The sources behind the stances.")


class ProvenanceOut(BaseModel):
    """Sources behind each side of a claim, their citation chains and independent origins."""

    claim_id: uuid.UUID = Field(description="The claim.")
    sides: dict[StanceSide, SideProvenance] = Field(description="Evidence per side.")
    truncated: bool = Field(
        description="True when a side had more sources than are listed (counts stay exact)."
    )


class RelatedClaimOut(BaseModel):
    """A claim related to this one."""

    relation_id: uuid.UUID = Field(description="The relation's id.")
    kind: ClaimRelationKind = Field(description="How the claims relate.")
    direction: str = Field(
        description="`outgoing`: this claim → related (e.g. this refines it); `incoming`: the "
        "related claim → this one."
    )
    claim: ClaimRef = Field(description="The related claim.")
    contested: bool = Field(description="Whether the related claim is contested.")
    stances: int = Field(description="Current stances on the related claim.")


class ClaimStatsOut(BaseModel):
    """Stance counts kept for a claim."""

    support: int = Field(description="Current supporting stances.")
    neutral: int = Field(description="Current neutral stances.")
    dispute: int = Field(description="Current disputing stances.")
    total: int = Field(description="All current stances.")
    contested: bool = Field(description="Both supporters and disputers exist.")
    latest_stated_at: datetime | None = Field(description="The newest stance's date.")


class ClaimListItem(ClaimOut):
    """A claim in a search or list, with its stance counts."""

    stats: ClaimStatsOut = Field(description="Stance counts.")
    score: float | None = Field(
        description="Relevance to `q` (higher is better); null without `q`."
    )
