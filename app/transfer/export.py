"""Export: every record (or a filtered, self-contained subset) as NDJSON records, streamed.

Records come in dependency order (actors, affiliations, sources, citations, claims, claim
relations, stances), each type read in keyset batches by id inside one snapshot, so the output
re-imports into an empty database. `key` = `id` = the record's UUID; refs are those keys.

Each type is described once (`Shape`): its fields in output order, each read from a column of
its own row or gathered per batch from a table of sub-records (aliases, authors, tags, texts).
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Table, Uuid, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

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
from app.models.base import Base
from app.transfer.export_reads import (
    Column,
    Rows,
    batches,
    grouped,
    iso,
    ref,
    snapshot,
    source_texts,
)
from app.transfer.selection import ExportFilter, Selection
from app.transfer.specs import RENAMED, SPECS

Record = dict[str, object]  # one NDJSON record, as JSON
# A batch's sub-records: for each gathered field, its value by owner id.
Gathered = dict[str, Callable[[uuid.UUID], object]]


def _strings(values: list[uuid.UUID]) -> list[str]:
    return [str(v) for v in values]


@dataclass(frozen=True, slots=True)
class Field:
    """An output field: read from the row's `column` (converted), or gathered (no column)."""

    name: str
    column: Column | None = None
    convert: Callable[[Any], object] | None = None  # (given the column's value)


@dataclass(frozen=True, slots=True)
class Shape:
    """How one record type is read and written out."""

    type: str
    id: QueryableAttribute[uuid.UUID]
    fields: tuple[Field, ...]
    gather: Callable[[AsyncSession, Rows], Awaitable[Gathered]] | None = None
    # Columns read for `gather` alone, after the fields' own.
    extra: tuple[Column, ...] = ()


async def _actor_parts(session: AsyncSession, rows: Rows) -> Gathered:
    ids = [row[0] for row in rows]
    aliases = await grouped(
        session, ActorAlias.actor_id, (ActorAlias.alias,), ids, ActorAlias.position
    )
    external = await grouped(
        session,
        ActorExternalId.actor_id,
        (ActorExternalId.scheme, ActorExternalId.value),
        ids,
        ActorExternalId.scheme,
    )
    return {
        "aliases": lambda i: aliases.get(i, []),
        "external_ids": lambda i: {pair[0]: pair[1] for pair in external.get(i, [])},
    }


async def _source_parts(session: AsyncSession, rows: Rows) -> Gathered:
    authors = await grouped(
        session,
        SourceAuthor.source_id,
        (SourceAuthor.actor_id,),
        [row[0] for row in rows],
        SourceAuthor.position,
    )
    texts = await source_texts(session, rows)
    return {"authors": lambda i: _strings(authors.get(i, [])), "text": texts.get}


async def _claim_parts(session: AsyncSession, rows: Rows) -> Gathered:
    ids = [row[0] for row in rows]
    tags = await grouped(session, ClaimTag.claim_id, (ClaimTag.tag,), ids, ClaimTag.tag)
    about = await grouped(
        session, ClaimSubject.claim_id, (ClaimSubject.actor_id,), ids, ClaimSubject.position
    )
    return {"tags": lambda i: tags.get(i, []), "about": lambda i: _strings(about.get(i, []))}


def _link_fields(
    start: tuple[str, Column], end: tuple[str, Column], kind: Column
) -> tuple[Field, ...]:
    """A link's fields: the refs at its two ends, and its kind."""
    return (Field(*start, str), Field(*end, str), Field("kind", kind))


ACTORS = Shape(
    "actor",
    Actor.id,
    (
        Field("kind", Actor.kind),
        Field("name", Actor.name),
        Field("aliases"),
        Field("country", Actor.country),
        Field("description", Actor.description),
        Field("external_ids"),
        Field("reliability", Actor.reliability),
    ),
    _actor_parts,
)
AFFILIATIONS = Shape(
    "affiliation",
    Affiliation.id,
    (
        Field("actor", Affiliation.actor_id, ref),
        Field("organization", Affiliation.organization_id, ref),
        Field("kind", Affiliation.kind),
        Field("role", Affiliation.role),
        Field("valid_from", Affiliation.valid_from, iso),
        Field("valid_to", Affiliation.valid_to, iso),
    ),
)
SOURCES = Shape(
    "source",
    Source.id,
    (
        Field("kind", Source.kind),
        Field("title", Source.title),
        Field("url", Source.url),
        Field("publisher", Source.publisher_id, ref),
        Field("authors"),
        Field("published_at", Source.published_at, iso),
        Field("retrieved_at", Source.retrieved_at, iso),
        Field("language", Source.language),
        Field("content_hash", Source.content_hash),
        Field("text"),
    ),
    _source_parts,
    (func.length(Source.text).label("text_length"),),
)
CITATIONS = Shape(
    "citation",
    Citation.id,
    _link_fields(
        ("source", Citation.source_id), ("cited", Citation.cited_source_id), Citation.kind
    ),
)
CLAIMS = Shape(
    "claim",
    Claim.id,
    (
        Field("statement", Claim.statement),
        Field("tags"),
        Field("about"),
        Field("occurred_from", Claim.occurred_from, iso),
        Field("occurred_to", Claim.occurred_to, iso),
    ),
    _claim_parts,
)
RELATIONS = Shape(
    "claim_relation",
    ClaimRelation.id,
    _link_fields(
        ("claim", ClaimRelation.claim_id),
        ("related", ClaimRelation.related_claim_id),
        ClaimRelation.kind,
    ),
)


def _schema_fields(record_type: str, model: type[Base]) -> tuple[Field, ...]:
    """A record type's fields as its `XCreate` schema orders them, each read from the column of
    its name (refs renamed as on a line): ids as strings, times in ISO 8601."""
    table = model.__table__
    assert isinstance(table, Table)
    renamed = RENAMED[record_type]
    fields = []
    for name in SPECS[record_type].schema.model_fields:
        column_type = table.c[name].type
        convert: Callable[[Any], object] | None = None
        if isinstance(column_type, Uuid):
            convert = ref
        elif isinstance(getattr(column_type, "impl", column_type), DateTime):
            convert = iso
        fields.append(Field(renamed.get(name, name), getattr(model, name), convert))
    return tuple(fields)


STANCES = Shape("stance", Stance.id, _schema_fields("stance", Stance))

SHAPES = (ACTORS, AFFILIATIONS, SOURCES, CITATIONS, CLAIMS, RELATIONS, STANCES)


async def _read(
    session: AsyncSession, shape: Shape, where: ColumnElement[bool] | None
) -> AsyncIterator[Record]:
    """The records of one type, in id order."""
    read = [(f.name, f.column) for f in shape.fields if f.column is not None]
    columns = [shape.id, *(column for _, column in read), *shape.extra]
    # Each field: where its value comes from (a position in the row, or gathered).
    position = {name: i for i, (name, _) in enumerate(read, start=1)}
    async for rows in batches(session, columns, shape.id, where):
        gathered = await shape.gather(session, rows) if shape.gather is not None else {}
        plan = [
            (f.name, position.get(f.name, 0), f.convert, gathered.get(f.name)) for f in shape.fields
        ]
        for row in rows:
            key = str(row[0])
            record: Record = {"type": shape.type, "key": key, "id": key}
            for name, at, convert, gather in plan:
                if gather is not None:
                    record[name] = gather(row[0])
                else:
                    value = row[at]
                    record[name] = value if convert is None or value is None else convert(value)
            yield record
        del gathered, plan


def _conditions(flt: ExportFilter) -> dict[str, ColumnElement[bool] | None]:
    """The WHERE condition of each record type (None: every row)."""
    if flt.everything:
        return dict.fromkeys(shape.type for shape in SHAPES)
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
    for shape in SHAPES:
        async for record in _read(session, shape, where[shape.type]):
            yield record
