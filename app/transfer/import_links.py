"""Importing links between two records of one type: citations (source, cited, kind) and claim
relations (claim, related claim, kind)."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.relations import CLAIM_RELATIONS
from app.claims.schemas import ClaimRelationCreate, ClaimRelationUpdate
from app.links import service as links
from app.models import Citation, ClaimRelation
from app.sources.citations import CITATIONS as CITATIONS_KIND
from app.sources.schemas import CitationCreate, CitationUpdate
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.records import Record
from app.transfer.rows import CitationRow, HexId, RelationRow
from app.transfer.upsert import Changed, Decider, before_updates, given_ids, loaded, settle

LinkRecord = Record[CitationCreate | ClaimRelationCreate]
NaturalKey = tuple[HexId, HexId, str]  # from, to, kind


async def _update_citation(
    session: AsyncSession, source_id: uuid.UUID, citation_id: uuid.UUID, changed: Changed
) -> object:
    update = CitationUpdate.model_validate(changed)
    return await links.update(session, CITATIONS_KIND, source_id, citation_id, update)


async def _update_relation(
    session: AsyncSession, claim_id: uuid.UUID, relation_id: uuid.UUID, changed: Changed
) -> object:
    update = ClaimRelationUpdate.model_validate(changed)
    return await links.update(session, CLAIM_RELATIONS, claim_id, relation_id, update)


@dataclass(frozen=True, slots=True)
class Link:
    """A type of link: its table and row, the refs at its two ends, and its service's update
    (given the link's owner, the record at its start)."""

    model: type[Citation | ClaimRelation]
    row: type[CitationRow | RelationRow]
    ends: tuple[str, str]
    update: Callable[[AsyncSession, uuid.UUID, uuid.UUID, Changed], Awaitable[object]]

    def stored_ends(self, link: Citation | ClaimRelation) -> tuple[uuid.UUID, uuid.UUID]:
        if isinstance(link, Citation):
            return link.source_id, link.cited_source_id
        return link.claim_id, link.related_claim_id


CITATIONS = Link(Citation, CitationRow, ("source", "cited"), _update_citation)
RELATIONS = Link(ClaimRelation, RelationRow, ("claim", "related"), _update_relation)


def _ends(link: Link, record: LinkRecord) -> tuple[HexId, HexId]:
    return record.one[link.ends[0]].id, record.one[link.ends[1]].id


async def import_links(ctx: Context, records: Sequence[LinkRecord], link: Link) -> None:
    """Citations and claim relations alike: a link from one record to another of its type,
    matched by (from, to, kind); only an id match can change its kind."""
    table = link.model.__table__
    from_col, to_col = (table.c[name] for name in link.row._fields[1:3])
    what = records[0].type.replace("_", " ")
    live = []
    for record in records:
        if record.failed:
            continue
        if record.one[link.ends[0]].id == record.one[link.ends[1]].id:
            ctx.fail(
                record, link.ends[1], f"a {what} cannot link a record to itself", "invalid-field"
            )
            continue
        live.append(record)
    # Looked up even between records this import created: an earlier batch may have linked them.
    pairs = sorted({_ends(link, r) for r in live})
    found: dict[NaturalKey, HexId] = {}
    for part in chunks(pairs):
        for ident, a, b, kind in await ctx.session.execute(
            select(table.c.id, from_col, to_col, table.c.kind).where(
                ctx.rows_among((from_col, to_col), [(as_uuid(a), as_uuid(b)) for a, b in part])
            )
        ):
            found[(a.hex, b.hex, kind)] = ident.hex
    decide = Decider(ctx, await given_ids(ctx, link.model, live), records[0].type)
    await ctx.writer.start()
    rows: list[CitationRow | RelationRow] = []
    matched: list[LinkRecord] = []
    for record in live:
        key = (*_ends(link, record), record.data.kind.value)
        new_id = decide.place(record, found.get(key) or decide.created_id(key), matched)
        if new_id is None:
            continue
        decide.created[key] = new_id
        rows.append(link.row(new_id, key[0], key[1], key[2], *ctx.audit))
    await ctx.create(link.model, rows)
    if not matched:
        return
    await before_updates(ctx, records[0].type)
    stored = await loaded(ctx, link.model, matched)
    for record in matched:
        assert record.target is not None
        row = stored[record.target]
        owner, other = link.stored_ends(row)
        if (owner.hex, other.hex) != _ends(link, record):
            message = f"is the id of a {what} between other records"
            ctx.fail(record, "id", message, "id-conflict")
            continue
        kind = record.data.kind.value
        changed: Changed = {"kind": kind} if kind != row.kind and "kind" in record.present else {}
        await settle(ctx, record, changed, partial(link.update, ctx.session, owner, row.id))
    ctx.session.expunge_all()


async def import_citations(ctx: Context, records: list[Record[CitationCreate]]) -> None:
    """Create the new citations (cycles are allowed: a citation is its own record)."""
    await import_links(ctx, records, CITATIONS)


async def import_relations(ctx: Context, records: list[Record[ClaimRelationCreate]]) -> None:
    """Create the new claim relations."""
    await import_links(ctx, records, RELATIONS)
