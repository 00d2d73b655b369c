"""Importing sources (matched by normalized URL; a source without one by content hash, else
kind and title, among sources without a URL)."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache, partial
from typing import NamedTuple

from sqlalchemy import ColumnElement, select

from app.db.batches import plain
from app.db.lookup import chunks
from app.ingest.context import Context, as_uuid
from app.ingest.records import Derived, HexId, Record, RefField, Spec
from app.ingest.upsert import (
    Changed,
    Decider,
    before_updates,
    changes,
    given_ids,
    settle,
)
from app.links.imports import link_spec
from app.models import Source, SourceAuthor
from app.sources import rules
from app.sources import service as sources
from app.sources.citations import CITATIONS
from app.sources.schemas import SourceCreate, SourceUpdate
from app.sources.writes import NewSource, SourceValues, create_sources

SourceRecord = Record[SourceCreate]
# Actors' ids as UUIDs: a batch's sources name the same publishers and authors many times.
_as_uuid = lru_cache(maxsize=1 << 16)(as_uuid)
# ("u", url) is unique; ("h", hash) and ("t", kind, title) match among URL-less sources.
NaturalKey = tuple[str, str] | tuple[str, str, str]


class Stored(NamedTuple):
    """What a match is compared on, besides the text: a stored source's columns."""

    id: uuid.UUID
    kind: str
    title: str
    url: str | None
    publisher_id: uuid.UUID | None
    published_at: datetime | None
    retrieved_at: datetime | None
    language: str | None
    content_hash: str | None
    has_text: bool
    created_at: datetime


STATE = (
    Source.id,
    Source.kind,
    Source.title,
    Source.url,
    Source.publisher_id,
    Source.published_at,
    Source.retrieved_at,
    Source.language,
    Source.content_hash,
    Source.text.is_not(None),
    Source.created_at,
)


# The fields a match compares as the line gives them, by name: those an update may change and
# the stored state holds, but the URL and content hash (compared as derived), the publisher
# (by its ref) and the text (by its hash).
AS_GIVEN = tuple(
    name
    for name in SourceUpdate.model_fields
    if name in Stored._fields and name not in {"url", "content_hash", "publisher_id"}
)


def _natural_key(record: SourceRecord) -> NaturalKey:
    derived = record.derived
    if derived.url is not None:
        return ("u", derived.url)
    if derived.content_hash is not None:
        return ("h", derived.content_hash)
    return ("t", record.data.kind.value, record.data.title)


def _authors(record: SourceRecord) -> list[HexId]:
    return list(dict.fromkeys(a.id for a in record.many["authors"]))


def _publisher(record: SourceRecord) -> HexId | None:
    publisher = record.one.get("publisher")
    return publisher.id if publisher is not None else None


async def _states(ctx: Context, condition: ColumnElement[bool]) -> list[Stored]:
    return [Stored(*row) for row in await ctx.session.execute(select(*STATE).where(condition))]


async def _authors_of(ctx: Context, ids: Sequence[HexId]) -> dict[HexId, list[HexId]]:
    out: dict[HexId, list[HexId]] = defaultdict(list)
    for part in chunks(ids):
        for source_id, actor_id in await ctx.session.execute(
            select(SourceAuthor.source_id, SourceAuthor.actor_id)
            .where(ctx.among(SourceAuthor.source_id, [as_uuid(i) for i in part]))
            .order_by(SourceAuthor.source_id, SourceAuthor.position)
        ):
            out[source_id.hex].append(actor_id.hex)
    return out


def _changed(record: SourceRecord, row: Stored, authors: list[HexId]) -> Changed:
    data, derived = record.data, record.derived
    fields = {name: (plain(getattr(data, name)), getattr(row, name)) for name in AS_GIVEN}
    fields.update(
        url=(derived.url, row.url),
        content_hash=(derived.content_hash, row.content_hash),
        publisher=(_publisher(record), row.publisher_id.hex if row.publisher_id else None),
        authors=(_authors(record), authors),
    )
    changed = changes(record, fields)
    if "text" in record.present:
        same = data.text is None and not row.has_text
        same = same or (
            data.text is not None and row.has_text and derived.content_hash == row.content_hash
        )
        if not same:
            changed["text"] = data.text
            changed["content_hash"] = derived.content_hash
    return changed


async def import_sources(ctx: Context, records: list[SourceRecord]) -> None:
    """Create the new sources, update the changed ones; note each one's text and date for the
    stances that quote it."""
    live = [r for r in records if not r.failed]
    key_of = {r.line: _natural_key(r) for r in live}
    keys = set(key_of.values())
    shared: dict[NaturalKey, list[Stored]] = defaultdict(list)
    hashes = sorted(k[1] for k in keys if k[0] == "h")
    for part in chunks(hashes):
        for row in await _states(ctx, ctx.among(Source.content_hash, part) & Source.url.is_(None)):
            shared[("h", str(row.content_hash))].append(row)
    # By title alone, which the index holds; a row of another kind is no match.
    titles = sorted({k[2] for k in keys if len(k) == 3})
    for part in chunks(titles):
        for row in await _states(ctx, ctx.among(Source.title, part) & Source.url.is_(None)):
            titled = ("t", row.kind, row.title)
            if titled in keys:
                shared[titled].append(row)
    decide = Decider(ctx, await given_ids(ctx, Source, live), "source")
    candidates = {row.id.hex for rows in shared.values() for row in rows}
    authors_of = await _authors_of(ctx, sorted(candidates))
    matched: list[SourceRecord] = []

    def place(i: int, values: SourceValues, owner: uuid.UUID | None) -> uuid.UUID | None:
        record = live[i]
        key = key_of[record.line]
        if key[0] == "u":
            target = owner.hex if owner is not None else decide.created_id(key)
        else:
            target = _pick(ctx, record, shared.get(key, []), authors_of)
        new_id = decide.place(record, target, matched)
        if new_id is None:
            return None
        if key[0] == "u":
            decide.created[key] = new_id
        record.has_text = values["text"] is not None
        record.published_at = values["published_at"]
        ctx.texts.put(new_id, values["text"])
        return as_uuid(new_id)

    batch = [_new(record) for record in live]
    await create_sources(ctx.session, batch, ctx.write(), place)
    await _update_sources(ctx, matched)


def _new(record: SourceRecord) -> NewSource:
    """The record as a new source: its refs' ids, its URL as normalized when read."""
    publisher = _publisher(record)
    return NewSource(
        record.data,
        url=record.derived.url,
        publisher_id=_as_uuid(publisher) if publisher is not None else None,
        author_ids=[_as_uuid(a) for a in _authors(record)],
        checked=True,
    )


def _pick(
    ctx: Context, record: SourceRecord, rows: list[Stored], authors_of: dict[HexId, list[HexId]]
) -> HexId | None:
    """Among URL-less sources sharing the record's natural key, the one it stands for: one not
    created by this file, preferably equal to it, else the one with its id, else the oldest."""
    rows = [row for row in rows if not ctx.created_here(row.created_at)]
    if not rows:
        return None
    for row in rows:
        if not _changed(record, row, authors_of.get(row.id.hex, [])):
            return row.id.hex
    if record.id is not None:
        for row in rows:
            if row.id == record.id:
                return row.id.hex
    return min(rows, key=lambda row: row.id).id.hex


async def _update_sources(ctx: Context, records: list[SourceRecord]) -> None:
    if not records:
        return
    await before_updates(ctx, "source")
    ids = sorted({r.target for r in records if r.target})
    current: dict[HexId, Stored] = {}
    for part in chunks(ids):
        for row in await _states(ctx, ctx.among(Source.id, [as_uuid(i) for i in part])):
            current[row.id.hex] = row
    authors_of = await _authors_of(ctx, ids)
    for record in records:
        assert record.target is not None
        row = current[record.target]
        changed = _changed(record, row, authors_of.get(record.target, []))
        data = record.data
        present = record.present
        record.has_text = (data.text is not None) if "text" in present else bool(row.has_text)
        record.published_at = data.published_at if "published_at" in present else row.published_at
        if "text" in changed:
            ctx.texts.put(record.target, data.text)
        update = {
            {"publisher": "publisher_id", "authors": "author_ids"}.get(k, k): v
            for k, v in changed.items()
        }
        if "author_ids" in update:
            update["author_ids"] = [as_uuid(a) for a in _authors(record)]
        if update.get("publisher_id") is not None:
            update["publisher_id"] = as_uuid(str(update["publisher_id"]))
        await settle(ctx, record, update, partial(_update_source, ctx, as_uuid(record.target)))
    ctx.session.expunge_all()


async def _update_source(ctx: Context, source_id: uuid.UUID, changed: Changed) -> object:
    update = SourceUpdate.model_validate(changed)
    return await sources.update_source(ctx.session, source_id, update, by=ctx.by)


def check_source(data: SourceCreate) -> Derived:
    """The normalized URL, and the content hash (which must match the text when both are
    given)."""
    return Derived(
        url=rules.normalized_url(data.url),
        content_hash=rules.content_hash_for(data.text, data.content_hash),
    )


SOURCE = Spec(
    "source",
    SourceCreate,
    (
        RefField("publisher", "actor", "publisher_id", required=False),
        RefField("authors", "actor", "author_ids", many=True, required=False),
    ),
    import_sources,
    check_source,
)
CITATION = link_spec(CITATIONS, "source", "cited")
