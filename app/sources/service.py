"""Sources and citations: create, read, list, update, delete."""

import hashlib
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload, undefer

from app.errors import Conflict, Duplicate, InvalidField
from app.http.pagination import PageParams, keyset, split_page
from app.models import Actor, Citation, Source, SourceAuthor, Stance
from app.records import (
    bump_version,
    changed_fields,
    load,
    load_owned,
    refuse_if_referenced,
    require_ids,
)
from app.sources.origins import refresh_origins
from app.sources.schemas import (
    CitationCreate,
    CitationOut,
    CitationUpdate,
    SourceCreate,
    SourceOut,
    SourceUpdate,
)
from app.sources.urls import InvalidURL, normalize_url
from app.stances.quotes import locate_quote

WITH_AUTHORS = selectinload(Source.authors)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_out(source: Source, *, has_text: bool) -> SourceOut:
    return SourceOut(
        id=source.id,
        kind=source.kind,
        title=source.title,
        url=source.url,
        publisher_id=source.publisher_id,
        author_ids=[a.actor_id for a in source.authors],
        published_at=source.published_at,
        retrieved_at=source.retrieved_at,
        language=source.language,
        content_hash=source.content_hash,
        has_text=has_text,
        created_at=source.created_at,
        updated_at=source.updated_at,
        version=source.version,
    )


def _normalized(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        return normalize_url(url)
    except InvalidURL as exc:
        raise InvalidField("url", str(exc)) from exc


async def _check_url_free(
    session: AsyncSession, url: str | None, exclude: uuid.UUID | None = None
) -> None:
    if url is None:
        return
    stmt = select(Source.id).where(Source.url == url)
    if exclude is not None:
        stmt = stmt.where(Source.id != exclude)
    existing = await session.scalar(stmt)
    if existing is not None:
        raise Duplicate(f"a source with url {url} exists", existing_id=existing)


async def _check_actors(
    session: AsyncSession, publisher_id: uuid.UUID | None, author_ids: list[uuid.UUID]
) -> None:
    await require_ids(session, Actor, [publisher_id], "publisher_id", "actor")
    await require_ids(session, Actor, author_ids, "author_ids", "actor")


def _hash_for(text: str | None, given: str | None) -> str | None:
    if text is None:
        return given
    actual = sha256_hex(text)
    if given is not None and given != actual:
        raise InvalidField("content_hash", "does not match the SHA-256 of text")
    return actual


async def create_source(session: AsyncSession, data: SourceCreate, *, by: str | None) -> SourceOut:
    """The new source."""
    url = _normalized(data.url)
    await _check_url_free(session, url)
    await _check_actors(session, data.publisher_id, data.author_ids)
    source = Source(
        kind=data.kind,
        title=data.title,
        url=url,
        publisher_id=data.publisher_id,
        published_at=data.published_at,
        retrieved_at=data.retrieved_at,
        language=data.language,
        content_hash=_hash_for(data.text, data.content_hash),
        text=data.text,
        created_by=by,
        authors=[
            SourceAuthor(actor_id=a, position=i)
            for i, a in enumerate(dict.fromkeys(data.author_ids))
        ],
    )
    session.add(source)
    await session.flush()
    return to_out(source, has_text=data.text is not None)


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
        stmt = stmt.where(Source.url == _normalized(url))
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
        changes["url"] = _normalized(changes["url"])
        await _check_url_free(session, changes["url"], exclude=source.id)
    await _check_actors(session, changes.get("publisher_id"), changes.get("author_ids") or [])
    if "text" in changes:
        changes["content_hash"] = _hash_for(changes["text"], changes.get("content_hash"))
        await _reanchor_quotes(session, source.id, changes["text"])
    elif "content_hash" in changes and source.text is not None:
        _hash_for(source.text, changes["content_hash"])
    for field in (
        "kind",
        "title",
        "url",
        "publisher_id",
        "published_at",
        "retrieved_at",
        "language",
        "content_hash",
        "text",
    ):
        if field in changes:
            setattr(source, field, changes[field])
    if "author_ids" in changes:
        source.authors = []
        await session.flush()
        source.authors = [
            SourceAuthor(actor_id=a, position=i)
            for i, a in enumerate(dict.fromkeys(changes["author_ids"] or []))
        ]
    bump_version(session, source)
    await session.flush()
    return to_out(source, has_text=source.text is not None)


async def delete_source(session: AsyncSession, source_id: uuid.UUID) -> None:
    """Delete the source; 409 while stances quote it or other sources cite it."""
    source = await load(session, Source, source_id, "source", for_update=True)
    await refuse_if_referenced(
        session,
        "source",
        source.id,
        [
            ("stances", Stance.source_id),
            ("stances as retraction source", Stance.retraction_source_id),
            ("citing sources", Citation.cited_source_id),
        ],
    )
    await session.delete(source)
    await session.flush()


# -- citations ---------------------------------------------------------------------------------


async def _check_citation_free(
    session: AsyncSession,
    source_id: uuid.UUID,
    cited_source_id: uuid.UUID,
    kind: str,
    exclude: uuid.UUID | None = None,
) -> None:
    stmt = select(Citation.id).where(
        Citation.source_id == source_id,
        Citation.cited_source_id == cited_source_id,
        Citation.kind == kind,
    )
    if exclude is not None:
        stmt = stmt.where(Citation.id != exclude)
    existing = await session.scalar(stmt)
    if existing is not None:
        raise Duplicate("this citation is already recorded", existing_id=existing)


async def create_citation(
    session: AsyncSession, source_id: uuid.UUID, data: CitationCreate, *, by: str | None
) -> CitationOut:
    """The new citation from the source to the cited one."""
    await load(session, Source, source_id, "source")
    if data.cited_source_id == source_id:
        raise InvalidField("cited_source_id", "a source cannot cite itself")
    await require_ids(session, Source, [data.cited_source_id], "cited_source_id", "source")
    await _check_citation_free(session, source_id, data.cited_source_id, data.kind)
    row = Citation(
        source_id=source_id, cited_source_id=data.cited_source_id, kind=data.kind, created_by=by
    )
    session.add(row)
    await session.flush()
    await refresh_origins(session, [source_id])
    return CitationOut.model_validate(row)


async def list_citations(
    session: AsyncSession,
    source_id: uuid.UUID,
    page: PageParams,
    *,
    direction: str = "both",
) -> tuple[list[CitationOut], str | None]:
    """Citations from the source (`outgoing`), to it (`incoming`), or both."""
    await load(session, Source, source_id, "source")
    conditions: list[Any] = []
    if direction in ("outgoing", "both"):
        conditions.append(Citation.source_id == source_id)
    if direction in ("incoming", "both"):
        conditions.append(Citation.cited_source_id == source_id)
    stmt = keyset(select(Citation).where(or_(*conditions)), Citation.id, page)
    rows, cursor = split_page(list((await session.scalars(stmt)).all()), page)
    return [CitationOut.model_validate(r) for r in rows], cursor


async def get_citation(
    session: AsyncSession, source_id: uuid.UUID, citation_id: uuid.UUID
) -> CitationOut:
    """One citation made by or of the source."""
    row = await load_owned(
        session,
        Citation,
        citation_id,
        "citation",
        owner=("source_id", source_id),
        other_end="cited_source_id",
    )
    return CitationOut.model_validate(row)


async def update_citation(
    session: AsyncSession, source_id: uuid.UUID, citation_id: uuid.UUID, data: CitationUpdate
) -> CitationOut:
    """The citation after the change."""
    row = await load_owned(
        session, Citation, citation_id, "citation", owner=("source_id", source_id)
    )
    await _check_citation_free(session, source_id, row.cited_source_id, data.kind, exclude=row.id)
    row.kind = data.kind
    bump_version(session, row)
    await session.flush()
    return CitationOut.model_validate(row)


async def delete_citation(
    session: AsyncSession, source_id: uuid.UUID, citation_id: uuid.UUID
) -> None:
    """Delete one citation made by the source."""
    row = await load_owned(
        session, Citation, citation_id, "citation", owner=("source_id", source_id)
    )
    await session.delete(row)
    await session.flush()
    await refresh_origins(session, [source_id])
