"""Creating actors, one or many at once: the one write path of a new actor, for the API (a
batch of one) and the import (batches of hundreds).

An actor's row is built from its `ActorCreate` by name: every field the schema and the table
share is copied as it is (enum members as their values); the table's other columns are set
here (the folded name, who recorded it, the audit columns). Its aliases and external ids are
rows of their own, folded into its `create` change as the history recorder folds them.

A batch's natural keys (each external id, and kind with name) are looked up in one statement
per chunk and kind of key; then each row is placed: created under an id, or not (its key is
taken). The new rows and their `create` changes are written by one INSERT a table, or, for an
import, through its bulk writer (COPY, held back until the next batch's reads).
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.actors.schemas import ActorCreate
from app.db.batches import Given, Part, Write, first_version, store_created
from app.db.lookup import chunks, rows_among
from app.history.changelog import Folded
from app.models import Actor, ActorAlias, ActorExternalId
from app.models.base import new_id

TABLE = cast(Table, Actor.__table__)
ALIASES = cast(Table, ActorAlias.__table__)
EXTERNAL_IDS = cast(Table, ActorExternalId.__table__)
COLUMNS = tuple(TABLE.c.keys())
ALIAS_COLUMNS = tuple(ALIASES.c.keys())
EXTERNAL_ID_COLUMNS = tuple(EXTERNAL_IDS.c.keys())
GIVEN = Given.of(ActorCreate, TABLE)  # the other columns are derived

# An actor's row by column name.
ActorValues = dict[str, Any]
# ("x", scheme, value) for an external id, ("n", kind, name) for the actor's name.
NaturalKey = tuple[str, str, str]
# The stored actors holding a row's natural keys: key -> actor id, in `natural_keys` order.
Owners = dict[NaturalKey, uuid.UUID]


@dataclass(slots=True)
class Outcome:
    """What became of one row of a batch: its row (`values`), the stored actors holding its
    natural keys (`owners`) and whether it was created."""

    values: ActorValues
    owners: Owners = field(default_factory=dict)
    created: bool = False


# Decides a row's fate: the id to create it under, or None not to create it. Given its index
# in the batch, its row and the stored actors holding its natural keys.
Place = Callable[[int, ActorValues, Owners], uuid.UUID | None]


def refuse_taken(index: int, values: ActorValues, owners: Owners) -> uuid.UUID | None:
    """The API's placement: a new row unless a stored actor holds one of its keys."""
    return None if owners else cast(uuid.UUID, values["id"])


def fold(text: str) -> str:
    """The case-insensitive key used for name and alias search."""
    return " ".join(text.casefold().split())


def natural_keys(data: ActorCreate) -> list[NaturalKey]:
    """What makes an actor the same as another: any of its external ids, else its kind and
    name (in that order)."""
    keys: list[NaturalKey] = [("x", s, v) for s, v in data.external_ids.items()]
    return [*keys, ("n", data.kind.value, data.name)]


def actor_values(data: ActorCreate, *, by: str | None, now: datetime) -> ActorValues:
    """The row of a new actor (its id a new one), its schema's fields taken by name."""
    values = GIVEN.values(data)
    values.update(id=new_id(), name_folded=fold(data.name), **first_version(by, now))
    return {name: values[name] for name in COLUMNS}  # in the table's order: the id first


def folded(data: ActorCreate) -> Folded:
    """The actor's sub-records as its `create` change holds them."""
    return {"aliases": data.aliases, "external_ids": data.external_ids}


# Where the natural keys are looked up: the key's marker, its columns, the owner's column.
_LOOKUPS = (
    ("n", (TABLE.c.kind, TABLE.c.name), TABLE.c.id),
    ("x", (EXTERNAL_IDS.c.scheme, EXTERNAL_IDS.c.value), EXTERNAL_IDS.c.actor_id),
)


async def stored_owners(
    connection: AsyncConnection, keys: Sequence[NaturalKey]
) -> dict[NaturalKey, uuid.UUID]:
    """The stored actors holding these natural keys, by key: one statement a chunk of names,
    and one a chunk of external ids (the names first)."""
    found: dict[NaturalKey, uuid.UUID] = {}
    dialect = connection.dialect.name
    for marker, columns, owner in _LOOKUPS:
        pairs = sorted({(k[1], k[2]) for k in keys if k[0] == marker})
        for part in chunks(pairs):
            rows = await connection.execute(
                select(*columns, owner).where(rows_among(dialect, columns, part))
            )
            found.update(((marker, a, b), actor_id) for a, b, actor_id in rows)
    return found


def _sub_rows(
    data: ActorCreate, actor_id: uuid.UUID
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The actor's alias rows (in position order) and external id rows."""
    aliases: list[tuple[object, ...]] = [
        (actor_id, a, fold(a), i) for i, a in enumerate(data.aliases)
    ]
    external: list[tuple[object, ...]] = [(actor_id, s, v) for s, v in data.external_ids.items()]
    return aliases, external


async def create_actors(
    session: AsyncSession, batch: Sequence[ActorCreate], write: Write, place: Place = refuse_taken
) -> list[Outcome]:
    """Create the actors of `batch` that `place` gives an id, with their aliases, external ids
    and `create` changes; one outcome a row, in order.

    Without `bulk` (the API), a batch with any row not placed writes nothing. With an
    import's `bulk`, the rows go through its bulk writer, held back until the next batch's
    reads (which therefore do not see them): the caller matches the keys it created itself."""
    by, now = write.by, write.now
    connection = await session.connection()
    outcomes = [Outcome(actor_values(data, by=by, now=now)) for data in batch]
    keys = [natural_keys(data) for data in batch]
    stored = await stored_owners(connection, [k for row in keys for k in row])
    await write.reads_done()
    created: list[tuple[object, ...]] = []
    histories: list[Folded] = []
    aliases: list[tuple[object, ...]] = []
    external: list[tuple[object, ...]] = []
    for i, (data, outcome) in enumerate(zip(batch, outcomes, strict=True)):
        outcome.owners = {k: stored[k] for k in keys[i] if k in stored}
        chosen = place(i, outcome.values, outcome.owners)
        if chosen is None:
            continue
        outcome.values["id"] = chosen
        outcome.created = True
        created.append(tuple(outcome.values.values()))
        histories.append(folded(data))
        its_aliases, its_external = _sub_rows(data, chosen)
        aliases.extend(its_aliases)
        external.extend(its_external)
    await store_created(
        connection,
        write,
        len(batch),
        Part(Actor, COLUMNS, created),
        Part(ActorAlias, ALIAS_COLUMNS, aliases),
        Part(ActorExternalId, EXTERNAL_ID_COLUMNS, external),
        folded=histories,
    )
    return outcomes
