"""Sources: create, read, list, update, delete. Their citations are owned links
(`app.sources.citations`, served by `app.links`)."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload, undefer

from app.db.batches import Write
from app.db.paging import PageParams, keyset, split_page
from app.errors import Conflict, Duplicate
from app.history.rebuild import keep_created
from app.models import Actor, Citation, Source, SourceAuthor, Stance
from app.records import (
    changed_fields,
    delete_unreferenced,
    load,
    refuse_taken,
    require_ids,
    save_change,
)
from app.sources.rules import content_hash_for, normalized_url
from app.sources.schemas import SourceCreate, SourceOut, SourceUpdate
from app.sources.writes import NewSource, create_sources
from app.stances.quotes import locate_quote

WITH_AUTHORS = selectinload(Source.authors)
# The body fields kept in the source's columns of the same names (the URL normalized and the
# content hash checked first); the authors are rows of their own.
COLUMNS = (
    "kind",
    "title",
    "url",
    "publisher_id",
    "published_at",
    "retrieved_at",
    "language",
    "content_hash",
    "text",
)


def to_out(source: Source, *, has_text: bool) -> SourceOut:
    return SourceOut.from_row(
        source, author_ids=[a.actor_id for a in source.authors], has_text=has_text
    )


async def _check_url_free(
    session: AsyncSession, url: str | None, exclude: uuid.UUID | None = None
) -> None:
    if url is None:
        return
    detail = f"a source with url {url} exists"
    await refuse_taken(session, Source, detail, Source.url == url, exclude=exclude)


async def _check_actors(
    session: AsyncSession, publisher_id: uuid.UUID | None, author_ids: list[uuid.UUID]
) -> None:
    await require_ids(session, Actor, [publisher_id], "publisher_id", "actor")
    await require_ids(session, Actor, author_ids, "author_ids", "actor")


async def create_source(session: AsyncSession, data: SourceCreate, *, by: str | None) -> SourceOut:
    """The new source: a batch of one for `create_sources`, a 409 if its URL is taken."""
    new = NewSource.of(data)
    (outcome,) = await create_sources(session, [new], Write(by))
    if outcome.owner is not None:
        detail = f"a source with url {new.url} exists"
        raise Duplicate(detail, existing_id=outcome.owner)
    values = outcome.values
    return SourceOut.model_validate(
        {**values, "author_ids": new.author_ids, "has_text": values["text"] is not None}
    )


async def _has_text(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    stmt = select(Source.id).where(Source.id.in_(ids), Source.text.is_not(None))
    return set((await session.scalars(stmt)).all())


async def get_source(session: AsyncSession, source_id: uuid.UUID) -> SourceOut:
    """The source, or a 404."""
    source = await load(session, Source, source_id, "source", WITH_AUTHORS)
    return to_out(source, has_text=bool(await _has_text(session, [source.id])))


async def get_source_text(session: AsyncSession, source_id: uuid.UUID) -> str | None:
    """The source's full text (None if not held), or a 404 for an unknown source."""
    source = await load(session, Source, source_id, "source", undefer(Source.text))
    return source.text


async def list_sources(
    session: AsyncSession,
    page: PageParams,
    *,
    kind: str | None = None,
    publisher_id: uuid.UUID | None = None,
    url: str | None = None,
) -> tuple[list[SourceOut], str | None]:
    """One page of sources in creation order, filtered; and the next cursor."""
    stmt = select(Source).options(WITH_AUTHORS)
    if kind is not None:
        stmt = stmt.where(Source.kind == kind)
    if publisher_id is not None:
        stmt = stmt.where(Source.publisher_id == publisher_id)
    if url is not None:
        stmt = stmt.where(Source.url == normalized_url(url))
    rows, cursor = split_page(
        list((await session.scalars(keyset(stmt, Source.id, page))).all()), page
    )
    with_text = await _has_text(session, [s.id for s in rows])
    return [to_out(s, has_text=s.id in with_text) for s in rows], cursor


async def _reanchor_quotes(session: AsyncSession, source_id: uuid.UUID, text: str | None) -> None:
    """Move every quoting stance's span to the new text (or drop it when the text goes);
    409 if a quote is no longer there."""
    stances = (
        await session.scalars(
            select(Stance).where(Stance.source_id == source_id, Stance.quote.is_not(None))
        )
    ).all()
    for stance in stances:
        if text is None:
            stance.quote_start = stance.quote_end = None
            stance.quote_prefix = stance.quote_suffix = None
            continue
        span = locate_quote(text, stance.quote or "")
        if span is None:
            raise Conflict(
                f"stance {stance.id} quotes text that the new text does not contain",
                stance_id=stance.id,
            )
        stance.quote, stance.quote_start, stance.quote_end = span.exact, span.start, span.end
        stance.quote_prefix, stance.quote_suffix = span.prefix, span.suffix


async def update_source(
    session: AsyncSession, source_id: uuid.UUID, data: SourceUpdate, *, by: str | None
) -> SourceOut:
    """The source after the change. A new text must still contain every stance's quote."""
    source = await load(
        session, Source, source_id, "source", WITH_AUTHORS, undefer(Source.text), for_update=True
    )
    changes = changed_fields(data)
    if "url" in changes:
        changes["url"] = normalized_url(changes["url"])
        await _check_url_free(session, changes["url"], exclude=source.id)
    await _check_actors(session, changes.get("publisher_id"), changes.get("author_ids") or [])
    if "text" in changes:
        changes["content_hash"] = content_hash_for(changes["text"], changes.get("content_hash"))
        await _reanchor_quotes(session, source.id, changes["text"])
    elif "content_hash" in changes and source.text is not None:
        content_hash_for(source.text, changes["content_hash"])
    for field in COLUMNS:
        if field in changes:
            setattr(source, field, changes[field])
    if "author_ids" in changes:
        source.authors = []
        await session.flush()
        source.authors = [
            SourceAuthor(actor_id=a, position=i)
            for i, a in enumerate(dict.fromkeys(changes["author_ids"] or []))
        ]
    await save_change(session, source)
    return to_out(source, has_text=source.text is not None)


# What refers to a source, as a refused deletion (409) names it.
REFERENCES = [
    ("stances", Stance.source_id),
    ("stances as retraction source", Stance.retraction_source_id),
    ("citing sources", Citation.cited_source_id),
]


async def _keep_citations(session: AsyncSession, source_id: uuid.UUID) -> None:
    """The source's citations go with it, with no change of their own: their creates' history
    stores them as created, which could no longer be read back from the records. They are
    locked first, so that no change to one commits between reading its history and it."""
    cites = await session.scalars(
        select(Citation.id)
        .where(Citation.source_id == source_id)
        .order_by(Citation.id)
        .with_for_update()
    )
    await keep_created(session, "citation", list(cites))


async def delete_source(session: AsyncSession, source_id: uuid.UUID) -> None:
    """Delete the source; 409 while stances quote it or other sources cite it."""
    await delete_unreferenced(
        session, Source, source_id, "source", REFERENCES, before=_keep_citations
    )
