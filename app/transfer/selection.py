"""Which rows a filtered export holds: the selected records and everything they refer to.

With `claim_id` and/or `actor_id` the export is the stances of that claim / by that actor
(changed since `since`, if given), the claim and actor themselves, and what those stances
refer to: their claims, actors and sources (and retraction sources), the claims' subjects,
the sources' publishers and authors. With only `since` it is every record changed since then,
plus what those refer to. Affiliations, citations and claim relations are links: they are
included when both their ends are. Each condition is a correlated EXISTS on indexed columns,
so the export reads in keyset batches without materializing the selection.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, true
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from app.db.lookup import Column
from app.models import (
    Actor,
    Affiliation,
    Citation,
    Claim,
    ClaimRelation,
    ClaimSubject,
    Source,
    SourceAuthor,
    Stance,
)
from app.models.base import Versioned


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """What to export: everything, or a claim's / an actor's records, or what changed."""

    claim_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    since: datetime | None = None

    @property
    def everything(self) -> bool:
        return self.claim_id is None and self.actor_id is None and self.since is None

    @property
    def focused(self) -> bool:
        return self.claim_id is not None or self.actor_id is not None


class Selection:
    """The WHERE conditions of a filtered export, per table."""

    def __init__(self, flt: ExportFilter) -> None:
        self.flt = flt

    def _stance_conditions(
        self, s: type[Stance] | AliasedClass[Stance]
    ) -> list[ColumnElement[bool]]:
        flt = self.flt
        conditions: list[ColumnElement[bool]] = []
        if flt.claim_id is not None:
            conditions.append(s.claim_id == flt.claim_id)
        if flt.actor_id is not None:
            conditions.append(s.actor_id == flt.actor_id)
        if flt.since is not None:
            conditions.append(s.updated_at >= flt.since)
        return conditions

    def _changed(self, model: type[Versioned], column: str, col: Column) -> ColumnElement[bool]:
        row = aliased(model)
        return exists().where(getattr(row, column) == col, row.updated_at >= self.flt.since)

    def _touched(
        self, col: Column, model: type[Versioned], link: type[Versioned], *ends: str
    ) -> list[ColumnElement[bool]]:
        """Unless the export is focused: whether the record with id `col`, or a link at
        either of its `ends`, changed since the export's time."""
        if self.flt.focused:
            return []
        return [self._changed(model, "id", col), *(self._changed(link, e, col) for e in ends)]

    def stances(self) -> ColumnElement[bool]:
        return and_(true(), *self._stance_conditions(Stance))

    def claims(self, col: Column) -> ColumnElement[bool]:
        """Whether the claim with id `col` is exported."""
        s = aliased(Stance)
        parts: list[ColumnElement[bool]] = [
            exists().where(s.claim_id == col, *self._stance_conditions(s))
        ]
        if self.flt.claim_id is not None:
            parts.insert(0, col == self.flt.claim_id)
        return or_(
            *parts, *self._touched(col, Claim, ClaimRelation, "claim_id", "related_claim_id")
        )

    def sources(self, col: Column) -> ColumnElement[bool]:
        """Whether the source with id `col` is exported."""
        s, r = aliased(Stance), aliased(Stance)
        parts: list[ColumnElement[bool]] = [
            exists().where(s.source_id == col, *self._stance_conditions(s)),
            exists().where(r.retraction_source_id == col, *self._stance_conditions(r)),
        ]
        return or_(*parts, *self._touched(col, Source, Citation, "source_id", "cited_source_id"))

    def actors(self, col: Column) -> ColumnElement[bool]:
        """Whether the actor with id `col` is exported."""
        s, subject = aliased(Stance), aliased(ClaimSubject)
        source, author = aliased(Source), aliased(SourceAuthor)
        parts: list[ColumnElement[bool]] = [
            exists().where(s.actor_id == col, *self._stance_conditions(s)),
            exists().where(subject.actor_id == col, self.claims(subject.claim_id)),
            exists().where(source.publisher_id == col, self.sources(source.id)),
            exists().where(author.actor_id == col, self.sources(author.source_id)),
        ]
        if self.flt.actor_id is not None:
            parts.insert(0, col == self.flt.actor_id)
        return or_(*parts, *self._touched(col, Actor, Affiliation, "actor_id", "organization_id"))

    def links(
        self, model: type[Affiliation] | type[Citation] | type[ClaimRelation]
    ) -> ColumnElement[bool]:
        """Affiliations, citations, relations: changed ones (by `since` alone), or those whose
        both ends are exported."""
        if not self.flt.focused:
            return model.updated_at >= self.flt.since
        if issubclass(model, Affiliation):
            return and_(self.actors(model.actor_id), self.actors(model.organization_id))
        if issubclass(model, Citation):
            return and_(self.sources(model.source_id), self.sources(model.cited_source_id))
        return and_(self.claims(model.claim_id), self.claims(model.related_claim_id))
