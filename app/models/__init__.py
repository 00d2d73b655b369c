"""All tables, imported together so Alembic sees one metadata."""

from app.models.actor import Actor, ActorAlias, ActorExternalId, Affiliation
from app.models.base import Base
from app.models.claim import (
    Claim,
    ClaimRelation,
    ClaimSideActor,
    ClaimStats,
    ClaimSubject,
    ClaimTag,
    ClaimTally,
)
from app.models.source import Citation, Source, SourceAuthor, SourceOrigin
from app.models.stance import Stance
from app.models.trust import (
    ApiKey,
    Change,
    ChangeBatch,
    IdempotentRequest,
    RateWindow,
    ServiceSecret,
)

__all__ = [
    "Actor",
    "ActorAlias",
    "ActorExternalId",
    "Affiliation",
    "ApiKey",
    "Base",
    "Change",
    "ChangeBatch",
    "Citation",
    "Claim",
    "ClaimRelation",
    "ClaimSideActor",
    "ClaimStats",
    "ClaimSubject",
    "ClaimTag",
    "ClaimTally",
    "IdempotentRequest",
    "RateWindow",
    "ServiceSecret",
    "Source",
    "SourceAuthor",
    "SourceOrigin",
    "Stance",
]
