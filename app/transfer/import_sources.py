"""Importing sources (matched by normalized URL; a source without one by content hash, else
kind and title, among sources without a URL) and citations (source, cited, kind)."""

import uuid
from collections import defaultdict
from functools import partial
from typing import Any

from sqlalchemy import select

from app.models import Source, SourceAuthor
from app.sources import service as sources
from app.sources.schemas import SourceUpdate
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.history import dashed
from app.transfer.records import Record
from app.transfer.upsert import (
    Decider,
    before_updates,
    changes,
    existing_ids,
    plain,
    settle,
)

SOURCE_COLUMNS = (
    "id",
    "kind",
    "title",
    "url",
    "publisher_id",
    "published_at",
    "retrieved_at",
    "language",
    "content_hash",
    "text",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)
# What a match is compared on, besides the text: columns loaded for matched sources.
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
    Source.text.is_not(None).label("has_text"),
    Source.created_at,
)


def _natural_key(record: Record) -> tuple[str, ...]:
    """("u", url) is unique; ("h", hash) and ("t", kind, title) match among URL-less sources."""
    extra, data = record.extra, record.data
    if extra["url"] is not None:
        return ("u", extra["url"])
    if extra["content_hash"] is not None:
        return ("h", extra["content_hash"])
    return ("t", plain(data.kind), data.title)


def _authors(record: Record) -> list[str]:
    return list(dict.fromkeys(a.id for a in record.ids["authors"]))


def _publisher(record: Record) -> str | None:
    publisher = record.ids.get("publisher")
    return publisher.id if publisher is not None else None


async def _states(ctx: Context, condition: Any) -> list[Any]:
    return list((await ctx.session.execute(select(*STATE).where(condition))).all())


async def _authors_of(ctx: Context, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for part in chunks(ids):
        for source_id, actor_id in await ctx.session.execute(
            select(SourceAuthor.source_id, SourceAuthor.actor_id)
            .where(ctx.among(SourceAuthor.source_id, [as_uuid(i) for i in part]))
            .order_by(SourceAuthor.source_id, SourceAuthor.position)
        ):
            out[source_id.hex].append(actor_id.hex)
    return out


def _changed(record: Record, row: Any, authors: list[str]) -> dict[str, Any]:
    data, extra = record.data, record.extra
    fields = {
        "kind": (plain(data.kind), row.kind),
        "title": (data.title, row.title),
        "url": (extra["url"], row.url),
        "publisher": (_publisher(record), row.publisher_id.hex if row.publisher_id else None),
        "authors": (_authors(record), authors),
        "published_at": (data.published_at, row.published_at),
        "retrieved_at": (data.retrieved_at, row.retrieved_at),
        "language": (data.language, row.language),
        "content_hash": (extra["content_hash"], row.content_hash),
    }
    changed = changes(record, fields)
    if "text" in record.present:
        same = data.text is None and not row.has_text
        same = same or (
            data.text is not None and row.has_text and fields["content_hash"][0] == row.content_hash
        )
        if not same:
            changed["text"] = data.text
            changed["content_hash"] = extra["content_hash"]
    return changed


async def import_sources(ctx: Context, records: list[Record]) -> None:
    """Create the new sources, update the changed ones; note each one's text and date for the
    stances that quote it."""
    live = [r for r in records if not r.failed]
    key_of = {r.line: _natural_key(r) for r in live}
    keys = set(key_of.values())
    unique: dict[tuple[str, ...], Any] = {}
    shared: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    urls = sorted(k[1] for k in keys if k[0] == "u")
    for part in chunks(urls):
        for row in await _states(ctx, ctx.among(Source.url, part)):
            unique[("u", row.url)] = row
    hashes = sorted(k[1] for k in keys if k[0] == "h")
    for part in chunks(hashes):
        for row in await _states(ctx, ctx.among(Source.content_hash, part) & Source.url.is_(None)):
            shared[("h", row.content_hash)].append(row)
    # By title alone, which the index holds; a row of another kind is no match.
    titles = sorted({k[2] for k in keys if k[0] == "t"})
    for part in chunks(titles):
        for row in await _states(ctx, ctx.among(Source.title, part) & Source.url.is_(None)):
            titled = ("t", row.kind, row.title)
            if titled in keys:
                shared[titled].append(row)
    by_id = await existing_ids(ctx, Source, [r.id.hex for r in live if r.id])
    decide = Decider(ctx, by_id, "source")
    candidates = {
        row.id.hex: row for rows in [*shared.values(), list(unique.values())] for row in rows
    }
    authors_of = await _authors_of(ctx, sorted(candidates))
    await ctx.writer.start()
    rows: list[tuple[Any, ...]] = []
    authors: list[tuple[Any, ...]] = []
    matched: list[Record] = []
    folded: list[dict[str, Any]] = []
    for record in live:
        key = key_of[record.line]
        target: str | None = None
        if key[0] == "u":
            row = unique.get(key)
            target = row.id.hex if row is not None else decide.created_id(key)
        else:
            target = _pick(ctx, record, shared.get(key, []), authors_of)
        target = target or decide.by_given_id(record)
        if record.failed:
            continue
        if target is not None:
            record.target = target
            matched.append(record)
            continue
        new_id = decide.new_id(record)
        if new_id is None:
            continue
        record.target = new_id
        if key[0] == "u":
            decide.created[key] = new_id
        data = record.data
        rows.append(
            (
                new_id,
                plain(data.kind),
                data.title,
                record.extra["url"],
                _publisher(record),
                data.published_at,
                data.retrieved_at,
                data.language,
                record.extra["content_hash"],
                data.text,
                ctx.by,
                ctx.now,
                ctx.now,
                1,
            )
        )
        author_ids = _authors(record)
        authors.extend((new_id, a, i) for i, a in enumerate(author_ids))
        folded.append({"author_ids": [dashed(a) for a in author_ids]})
        record.extra["has_text"] = data.text is not None
        record.extra["published_at"] = data.published_at
        ctx.texts.put(new_id, data.text)
        ctx.count(record, "created")
    await ctx.writer.insert(Source.__table__, SOURCE_COLUMNS, rows, defer=True)  # type: ignore[arg-type]
    await ctx.changes.created(Source, SOURCE_COLUMNS, rows, folded, defer=True)
    await ctx.writer.insert(
        SourceAuthor.__table__,  # type: ignore[arg-type]
        ("source_id", "actor_id", "position"),
        authors,
        defer=True,
    )
    await _update_sources(ctx, matched)


def _pick(
    ctx: Context, record: Record, rows: list[Any], authors_of: dict[str, list[str]]
) -> str | None:
    """Among URL-less sources sharing the record's natural key, the one it stands for: one not
    created by this file, preferably equal to it, else the one with its id, else the oldest."""
    rows = [row for row in rows if not ctx.created_here(row.created_at)]
    if not rows:
        return None
    for row in rows:
        if not _changed(record, row, authors_of.get(row.id.hex, [])):
            return str(row.id.hex)
    if record.id is not None:
        for row in rows:
            if row.id == record.id:
                return str(row.id.hex)
    return str(min(rows, key=lambda row: row.id).id.hex)


async def _update_sources(ctx: Context, records: list[Record]) -> None:
    if not records:
        return
    await before_updates(ctx, "source")
    ids = sorted({r.target for r in records if r.target})
    current: dict[str, Any] = {}
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
        record.extra["has_text"] = (
            (data.text is not None) if "text" in present else bool(row.has_text)
        )
        record.extra["published_at"] = (
            data.published_at if "published_at" in present else row.published_at
        )
        if "text" in changed:
            ctx.texts.put(record.target, data.text)
        update = {
            {"publisher": "publisher_id", "authors": "author_ids"}.get(k, k): v
            for k, v in changed.items()
        }
        if "author_ids" in update:
            update["author_ids"] = [as_uuid(a) for a in update["author_ids"]]
        if update.get("publisher_id") is not None:
            update["publisher_id"] = as_uuid(update["publisher_id"])
        await settle(ctx, record, update, partial(_update_source, ctx, as_uuid(record.target)))
    ctx.session.expunge_all()


async def _update_source(ctx: Context, source_id: uuid.UUID, changed: dict[str, Any]) -> Any:
    return await sources.update_source(ctx.session, source_id, SourceUpdate(**changed), by=ctx.by)
