"""Importing links between two records of one type: citations (source, cited, kind) and claim
relations (claim, related claim, kind)."""

from functools import partial
from typing import Any

from sqlalchemy import select

from app.claims import service as claims
from app.claims.schemas import ClaimRelationUpdate
from app.models import Citation, ClaimRelation
from app.sources import service as sources
from app.sources.schemas import CitationUpdate
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.records import Record
from app.transfer.upsert import Decider, before_updates, existing_ids, loaded, plain, settle

CITATION_COLUMNS = (
    "id",
    "source_id",
    "cited_source_id",
    "kind",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)
RELATION_COLUMNS = (
    "id",
    "claim_id",
    "related_claim_id",
    "kind",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)


async def import_links(
    ctx: Context,
    records: list[Record],
    *,
    model: Any,
    columns: tuple[str, ...],
    ends: tuple[str, str],
    update: Any,
) -> None:
    """Citations and claim relations alike: a link from one record to another of its type,
    matched by (from, to, kind); only an id match can change its kind."""
    start, end = ends
    from_col, to_col = getattr(model, columns[1]), getattr(model, columns[2])
    live = []
    for record in records:
        if record.failed:
            continue
        if record.ids[start].id == record.ids[end].id:
            ctx.fail(
                record,
                end,
                f"a {record.type.replace('_', ' ')} cannot link a record to itself",
                "invalid-field",
            )
            continue
        live.append(record)
    # Looked up even between records this import created: an earlier batch may have linked them.
    pairs = sorted({(r.ids[start].id, r.ids[end].id) for r in live})
    found: dict[tuple[str, str, str], str] = {}
    for part in chunks(pairs):
        for ident, a, b, kind in await ctx.session.execute(
            select(model.id, from_col, to_col, model.kind).where(
                ctx.rows_among((from_col, to_col), [(as_uuid(a), as_uuid(b)) for a, b in part])
            )
        ):
            found[(a.hex, b.hex, kind)] = ident.hex
    by_id = await existing_ids(ctx, model, [r.id.hex for r in live if r.id])
    decide = Decider(ctx, by_id, records[0].type)
    await ctx.writer.start()
    rows, matched = [], []
    for record in live:
        key = (record.ids[start].id, record.ids[end].id, plain(record.data.kind))
        target = found.get(key) or decide.created_id(key) or decide.by_given_id(record)
        if record.failed:
            continue
        if target is not None:
            record.target = target
            matched.append(record)
            continue
        new_id = decide.new_id(record)
        if new_id is None:
            continue
        record.target = decide.created[key] = new_id
        rows.append((new_id, *key, ctx.by, ctx.now, ctx.now, 1))
        ctx.count(record, "created")
    await ctx.writer.insert(model.__table__, columns, rows, defer=True)
    await ctx.changes.created(model, columns, rows, defer=True)
    if not matched:
        return
    await before_updates(ctx, records[0].type)
    stored = await loaded(ctx, model, matched)
    for record in matched:
        assert record.target is not None
        row = stored[record.target]
        if (getattr(row, columns[1]).hex, getattr(row, columns[2]).hex) != (
            record.ids[start].id,
            record.ids[end].id,
        ):
            ctx.fail(
                record,
                "id",
                f"is the id of a {record.type.replace('_', ' ')} between other records",
                "id-conflict",
            )
            continue
        kind = plain(record.data.kind)
        changed = {"kind": kind} if kind != row.kind and "kind" in record.present else {}
        owner = getattr(row, columns[1])
        await settle(ctx, record, changed, partial(update, ctx.session, owner, row.id))
    ctx.session.expunge_all()


async def _update_citation(
    session: Any, source_id: Any, citation_id: Any, changed: dict[str, Any]
) -> Any:
    update = CitationUpdate(**changed)
    return await sources.update_citation(session, source_id, citation_id, update)


async def import_citations(ctx: Context, records: list[Record]) -> None:
    """Create the new citations (cycles are allowed: a citation is its own record)."""
    await import_links(
        ctx,
        records,
        model=Citation,
        columns=CITATION_COLUMNS,
        ends=("source", "cited"),
        update=_update_citation,
    )


async def _update_relation(
    session: Any, claim_id: Any, relation_id: Any, changed: dict[str, Any]
) -> Any:
    update = ClaimRelationUpdate(**changed)
    return await claims.update_relation(session, claim_id, relation_id, update)


async def import_relations(ctx: Context, records: list[Record]) -> None:
    """Create the new claim relations."""
    await import_links(
        ctx,
        records,
        model=ClaimRelation,
        columns=RELATION_COLUMNS,
        ends=("claim", "related"),
        update=_update_relation,
    )
