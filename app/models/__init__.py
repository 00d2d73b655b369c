"""All tables, imported together so Alembic sees one metadata."""

from app.models.actor import Actor, ActorAlias, ActorExternalId, Affiliation
from app.models.base import Base
from app.models.claim import Claim, ClaimRelation, ClaimStats, ClaimSubject, ClaimTag
from app.models.source import Citation, Source, SourceAuthor
from app.models.stance import Stance

__all__ = [
    "Actor",
    "ActorAlias",
    "ActorExternalId",
    "Affiliation",
    "Base",
    "Citation",
    "Claim",
    "ClaimRelation",
    "ClaimStats",
    "ClaimSubject",
    "ClaimTag",
    "Source",
    "SourceAuthor",
    "Stance",
]
