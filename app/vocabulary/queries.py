"""The choices of the read endpoints: directions of links, orders, groupings, and the record
types the history covers."""

from enum import StrEnum


class LinkDirection(StrEnum):
    """Which links of a record to list: from it, to it, or both."""

    outgoing = "outgoing"
    incoming = "incoming"
    both = "both"


class ClaimSort(StrEnum):
    """Orders for claim lists."""

    relevance = "relevance"
    newest = "newest"
    stances = "stances"
    created = "created"


class GroupBy(StrEnum):
    """How stances on a claim are rolled up."""

    actor = "actor"
    organization = "organization"
    country = "country"


class EntityType(StrEnum):
    """The kinds of record the history covers."""

    actor = "actor"
    affiliation = "affiliation"
    source = "source"
    citation = "citation"
    claim = "claim"
    claim_relation = "claim_relation"
    stance = "stance"
