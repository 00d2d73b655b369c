"""The controlled vocabularies: stance labels and sides, entity kinds, relation kinds.

Stance labels, their sides and their probability bands live here and only here; the database
stores the values, Pydantic validates them, and exporters map them. `app.vocabulary` gives
every name of its modules: `stances` (labels, sides, bands, confidence), `kinds` (of actors,
affiliations, sources, citations, claim relations; reliability) and `queries` (the read
endpoints' directions, orders and groupings).
"""

from app.vocabulary.kinds import (
    ActorKind,
    AffiliationKind,
    CitationKind,
    ClaimRelationKind,
    Reliability,
    SourceKind,
)
from app.vocabulary.queries import (
    ClaimSort,
    EntityType,
    GroupBy,
    LinkDirection,
)
from app.vocabulary.stances import (
    SIDE_RANGES,
    STANCE_LABELS,
    Band,
    Confidence,
    LabelInfo,
    StanceLabel,
    StanceSide,
    labels_on,
    probability_problem,
    probability_range,
    side_of,
)

__all__ = [
    "SIDE_RANGES",
    "STANCE_LABELS",
    "ActorKind",
    "AffiliationKind",
    "Band",
    "CitationKind",
    "ClaimRelationKind",
    "ClaimSort",
    "Confidence",
    "EntityType",
    "GroupBy",
    "LabelInfo",
    "LinkDirection",
    "Reliability",
    "SourceKind",
    "StanceLabel",
    "StanceSide",
    "labels_on",
    "probability_problem",
    "probability_range",
    "side_of",
]
