"""Export: every record (or a filtered, self-contained subset) as NDJSON records, streamed.

Records come in dependency order (actors, affiliations, sources, citations, claims, claim
relations, stances), each type read in keyset batches by id inside one snapshot, so the output
re-imports into an empty database. `key` = `id` = the record's UUID; refs are those keys.
"""

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Actor,
    ActorAlias,
    ActorExternalId,
    Affiliation,
    Citation,
    Claim,
    ClaimRelation,
    ClaimSubject,
    ClaimTag,
    Source,
    SourceAuthor,
    Stance,
)
from app.transfer.export_reads import batches, grouped, iso, ref, snapshot, source_texts
from app.transfer.selection import ExportFilter, Selection

Record = dict[str, Any]
CITATION_ENDS = ("source_id", "cited_source_id", "source", "cited")
RELATION_ENDS = ("claim_id", "related_claim_id", "claim", "related")


async def _actors(session: AsyncSession, where: Any) -> AsyncIterator[Record]:
    columns = (
        Actor.id,
        Actor.kind,
        Actor.name,
        Actor.country,
        Actor.description,
        Actor.reliability,
    )
    async for rows in batches(session, columns, Actor.id, where):
        ids = [row.id for row in rows]
        aliases = await grouped(
            session,
            select(ActorAlias.actor_id, ActorAlias.alias)
            .where(ActorAlias.actor_id.in_(ids))
            .order_by(ActorAlias.actor_id, ActorAlias.position),
        )
        external = await grouped(
            session,
            select(ActorExternalId.actor_id, ActorExternalId.scheme, ActorExternalId.value)
            .where(ActorExternalId.actor_id.in_(ids))
            .order_by(ActorExternalId.actor_id, ActorExternalId.scheme),
        )
        for row in rows:
            key = str(row.id)
            yield {
                "type": "actor",
                "key": key,
                "id": key,
                "kind": row.kind,
                "name": row.name,
                "aliases": aliases.get(row.id, []),
                "country": row.country,
                "description": row.description,
                "external_ids": {pair[0]: pair[1] for pair in external.get(row.id, [])},
                "reliability": row.reliability,
            }


async def _affiliations(session: AsyncSession, where: Any) -> AsyncIterator[Record]:
    columns = (
        Affiliation.id,
        Affiliation.actor_id,
        Affiliation.organization_id,
        Affiliation.kind,
        Affiliation.role,
        Affiliation.valid_from,
        Affiliation.valid_to,
    )
    async for rows in batches(session, columns, Affiliation.id, where):
        for row in rows:
            key = str(row.id)
            yield {
                "type": "affiliation",
                "key": key,
                "id": key,
                "actor": ref(row.actor_id),
                "organization": ref(row.organization_id),
                "kind": row.kind,
                "role": row.role,
                "valid_from": iso(row.valid_from),
                "valid_to": iso(row.valid_to),
            }


async def _sources(session: AsyncSession, where: Any) -> AsyncIterator[Record]:
    columns = (
        Source.id,
        Source.kind,
        Source.title,
        Source.url,
        Source.publisher_id,
        Source.published_at,
        Source.retrieved_at,
        Source.language,
        Source.content_hash,
        func.length(Source.text).label("text_length"),
    )
    async for rows in batches(session, columns, Source.id, where):
        ids = [row.id for row in rows]
        authors = await grouped(
            session,
            select(SourceAuthor.source_id, SourceAuthor.actor_id)
            .where(SourceAuthor.source_id.in_(ids))
            .order_by(SourceAuthor.source_id, SourceAuthor.position),
        )
        texts = await source_texts(session, rows)
        for row in rows:
            key = str(row.id)
            yield {
                "type": "source",
                "key": key,
                "id": key,
                "kind": row.kind,
                "title": row.title,
                "url": row.url,
                "publisher": ref(row.publisher_id),
                "authors": [str(a) for a in authors.get(row.id, [])],
                "published_at": iso(row.published_at),
                "retrieved_at": iso(row.retrieved_at),
                "language": row.language,
                "content_hash": row.content_hash,
                "text": texts.get(row.id),
            }
        del texts


async def _links(
    session: AsyncSession, model: Any, kind: str, ends: tuple[str, str, str, str], where: Any
) -> AsyncIterator[Record]:
    start_col, end_col, start, end = ends
    columns = (model.id, getattr(model, start_col), getattr(model, end_col), model.kind)
    async for rows in batches(session, columns, model.id, where):
        for ident, a, b, link_kind in rows:
            key = str(ident)
            yield {
                "type": kind,
                "key": key,
                "id": key,
                start: str(a),
                end: str(b),
                "kind": link_kind,
            }


async def _claims(session: AsyncSession, where: Any) -> AsyncIterator[Record]:
    columns = (Claim.id, Claim.statement, Claim.occurred_from, Claim.occurred_to)
    async for rows in batches(session, columns, Claim.id, where):
        ids = [row.id for row in rows]
        tags = await grouped(
            session,
            select(ClaimTag.claim_id, ClaimTag.tag)
            .where(ClaimTag.claim_id.in_(ids))
            .order_by(ClaimTag.claim_id, ClaimTag.tag),
        )
        about = await grouped(
            session,
            select(ClaimSubject.claim_id, ClaimSubject.actor_id)
            .where(ClaimSubject.claim_id.in_(ids))
            .order_by(ClaimSubject.claim_id, ClaimSubject.position),
        )
        for row in rows:
            key = str(row.id)
            yield {
                "type": "claim",
                "key": key,
                "id": key,
                "statement": row.statement,
                "tags": tags.get(row.id, []),
                "about": [str(a) for a in about.get(row.id, [])],
                "occurred_from": iso(row.occurred_from),
                "occurred_to": iso(row.occurred_to),
            }


async def _stances(session: AsyncSession, where: Any) -> AsyncIterator[Record]:
    columns = (
        Stance.id,
        Stance.claim_id,
        Stance.actor_id,
        Stance.source_id,
        Stance.label,
        Stance.probability,
        Stance.confidence,
        Stance.quote,
        Stance.stated_at,
        Stance.retracted_at,
        Stance.retraction_source_id,
    )
    async for rows in batches(session, columns, Stance.id, where):
        for row in rows:
            key = str(row.id)
            yield {
                "type": "stance",
                "key": key,
                "id": key,
                "claim": str(row.claim_id),
                "actor": str(row.actor_id),
                "source": str(row.source_id),
                "label": row.label,
                "probability": row.probability,
                "confidence": row.confidence,
                "quote": row.quote,
                "stated_at": iso(row.stated_at),
                "retracted_at": iso(row.retracted_at),
                "retraction_source": ref(row.retraction_source_id),
            }


def _conditions(flt: ExportFilter) -> dict[str, Any]:
    """The WHERE condition of each record type (None: every row)."""
    if flt.everything:
        return dict.fromkeys(
            ("actor", "affiliation", "source", "citation", "claim", "claim_relation", "stance")
        )
    sel = Selection(flt)
    return {
        "actor": sel.actors(Actor.id),
        "affiliation": sel.links(Affiliation),
        "source": sel.sources(Source.id),
        "citation": sel.links(Citation),
        "claim": sel.claims(Claim.id),
        "claim_relation": sel.links(ClaimRelation),
        "stance": sel.stances(),
    }


async def export_records(session: AsyncSession, flt: ExportFilter) -> AsyncIterator[Record]:
    """Every selected record in dependency order, read in one snapshot."""
    await snapshot(session)
    where = _conditions(flt)
    readers = (
        _actors(session, where["actor"]),
        _affiliations(session, where["affiliation"]),
        _sources(session, where["source"]),
        _links(session, Citation, "citation", CITATION_ENDS, where["citation"]),
        _claims(session, where["claim"]),
        _links(session, ClaimRelation, "claim_relation", RELATION_ENDS, where["claim_relation"]),
        _stances(session, where["stance"]),
    )
    for reader in readers:
        async for record in reader:
            yield record
