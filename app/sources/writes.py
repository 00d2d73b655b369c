"""Creating sources, one or many at once: the one write path of a new source, for the API (a
batch of one) and the import (batches of thousands).

A source's row is built from its `SourceCreate` by name: every field the schema and the table
share is copied as it is (enum members as their values), but the URL, stored normalized, and
the content hash, the text's own when the text is held (app/sources/rules.py); the audit
columns are set here. Its authors are rows of their own, folded into its `create` change as
the history recorder folds them.

A batch's URLs are looked up in one statement per chunk; then each row is placed: created
under an id, or not (its URL is taken, or the caller matched it otherwise). The new rows and
their `create` changes are written by one INSERT a table, or, for an import, through its bulk
writer (COPY, held back until the next batch's reads).
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.db.batches import Given, Part, Write, first_version, store_created
from app.db.lookup import among, chunks
from app.history.changelog import Folded
from app.models import Actor, Source, SourceAuthor
from app.models.base import new_id
from app.records import require_ids
from app.sources import rules
from app.sources.schemas import SourceCreate

TABLE = cast(Table, Source.__table__)
AUTHORS = cast(Table, SourceAuthor.__table__)
COLUMNS = tuple(TABLE.c.keys())
AUTHOR_COLUMNS = tuple(AUTHORS.c.keys())
GIVEN = Given.of(SourceCreate, TABLE)  # the other columns are derived

# A source's row by column name.
SourceValues = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewSource:
    """A validated source to create, with what its caller resolved: its URL normalized
    (`rules.normalized_url`), its publisher and authors (each named once, in order) as actor
    ids, `checked` when the caller knows they exist."""

    data: SourceCreate
    url: str | None
    publisher_id: uuid.UUID | None
    author_ids: list[uuid.UUID]
    checked: bool = False

    @classmethod
    def of(cls, data: SourceCreate) -> "NewSource":
        """The source as a request gives it: its actors as named, not yet checked."""
        authors = list(dict.fromkeys(data.author_ids))
        return cls(data, rules.normalized_url(data.url), data.publisher_id, authors)


@dataclass(slots=True)
class Outcome:
    """What became of one row of a batch: its row (`values`), the stored source with its URL
    (`owner`) and whether it was created."""

    values: SourceValues
    owner: uuid.UUID | None = None
    created: bool = False


# Decides a row's fate: the id to create it under, or None not to create it. Given its index
# in the batch, its row and the stored source with its URL (None if there is none).
Place = Callable[[int, SourceValues, uuid.UUID | None], uuid.UUID | None]


def refuse_taken(index: int, values: SourceValues, owner: uuid.UUID | None) -> uuid.UUID | None:
    """The API's placement: a new row unless a stored source has its URL."""
    return None if owner is not None else cast(uuid.UUID, values["id"])


def source_values(new: NewSource, *, by: str | None, now: datetime) -> SourceValues:
    """The row of a new source (its id a new one), its schema's fields taken by name; an
    InvalidField if its content hash does not match its text."""
    data = new.data
    values = GIVEN.values(data)
    values.update(
        id=new_id(),
        url=new.url,
        publisher_id=new.publisher_id,
        content_hash=rules.content_hash_for(data.text, data.content_hash),
        **first_version(by, now),
    )
    return {name: values[name] for name in COLUMNS}  # in the table's order: the id first


def folded(authors: Sequence[uuid.UUID]) -> Folded:
    """The source's authors as its `create` change holds them."""
    return {"author_ids": [str(a) for a in authors]}


async def stored_urls(connection: AsyncConnection, urls: Sequence[str]) -> dict[str, uuid.UUID]:
    """The stored sources with these URLs, by URL: one statement a chunk."""
    found: dict[str, uuid.UUID] = {}
    wanted = sorted(set(urls))
    dialect = connection.dialect.name
    for part in chunks(wanted):
        rows = await connection.execute(
            select(TABLE.c.url, TABLE.c.id).where(among(dialect, TABLE.c.url, part))
        )
        found.update((url, source_id) for url, source_id in rows)
    return found


async def _check_actors(session: AsyncSession, batch: Sequence[NewSource]) -> None:
    """422 naming the first publisher, then author, that does not exist."""
    for new in batch:
        if not new.checked:
            await require_ids(session, Actor, [new.publisher_id], "publisher_id", "actor")
            await require_ids(session, Actor, new.author_ids, "author_ids", "actor")


async def create_sources(
    session: AsyncSession, batch: Sequence[NewSource], write: Write, place: Place = refuse_taken
) -> list[Outcome]:
    """Create the sources of `batch` that `place` gives an id, with their authors and `create`
    changes; one outcome a row, in order.

    Without `bulk` (the API), a batch with any row not placed writes nothing; else the
    publishers and authors not `checked` must exist (422, see `_check_actors`), and each
    content hash match its text (422). With an import's `bulk` (its rows checked when
    they were read), the rows go through its bulk writer, held back until the next batch's
    reads (which therefore do not see them): the caller matches the URLs it created itself."""
    by, now, bulk = write.by, write.now, write.bulk
    connection = await session.connection()
    urls = [new.url for new in batch if new.url is not None]
    stored = await stored_urls(connection, urls) if urls else {}
    if bulk is not None:
        await write.reads_done()
    elif any(new.url in stored for new in batch):
        return [Outcome({}, owner=stored.get(new.url or "")) for new in batch]
    else:
        await _check_actors(session, batch)
    outcomes: list[Outcome] = []
    created: list[tuple[object, ...]] = []
    histories: list[Folded] = []
    authors: list[tuple[object, ...]] = []
    for i, new in enumerate(batch):
        values = source_values(new, by=by, now=now)
        outcome = Outcome(values, owner=stored.get(new.url) if new.url is not None else None)
        outcomes.append(outcome)
        chosen = place(i, values, outcome.owner)
        if chosen is None:
            continue
        values["id"] = chosen
        outcome.created = True
        created.append(tuple(values.values()))
        histories.append(folded(new.author_ids))
        authors.extend((chosen, a, position) for position, a in enumerate(new.author_ids))
    await store_created(
        connection,
        write,
        len(batch),
        Part(Source, COLUMNS, created),
        Part(SourceAuthor, AUTHOR_COLUMNS, authors),
        folded=histories,
    )
    return outcomes
