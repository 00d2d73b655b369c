"""Creating claims, one or many at once: the one write path of a new claim, for the API (a
batch of one) and the import (batches of thousands).

A claim's row is built from its `ClaimCreate` by name: every field the schema and the table
share is copied as it is; the table's other columns are set here (the statement's key, who
recorded it, the audit columns). Its tags and subjects (the actors it is about, in order,
each once) are rows of their own, folded into its `create` change as the history recorder
folds them; its counters start at zero.

A batch is looked up by natural key (the statement's key) in one statement per chunk, then
each row is placed: created under an id, or not (a repeat). The API's rows are then checked
(their actors exist, the package's rules in app/claims/rules.py hold) in the order its
answers have always named problems: a repeat first. The new rows are written by one INSERT
per table, or, for an import, through its bulk writer (COPY, held back until the next
batch's reads).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims import rules
from app.claims.schemas import ClaimCreate
from app.db.batches import (
    Given,
    Part,
    Place,
    Values,
    Write,
    first_version,
    place_rows,
    refuse_repeats,
    store_created,
)
from app.db.lookup import among, chunks
from app.errors import InvalidField
from app.history.changelog import Folded
from app.models import Actor, Claim, ClaimStats, ClaimSubject, ClaimTag
from app.models.base import new_id
from app.records import require_ids

TABLE = cast(Table, Claim.__table__)
COLUMNS = tuple(TABLE.c.keys())
GIVEN = Given.of(ClaimCreate, TABLE)  # the other columns are derived
TAG_COLUMNS = ("claim_id", "tag")
SUBJECT_COLUMNS = ("claim_id", "actor_id", "position")
# A new claim's counters: zero (the columns' defaults) but for the time of its last activity.
STATS_COLUMNS = ("claim_id", "activity_at")
STATEMENT_KEY = itemgetter("statement_key")  # a claim's natural key

# A claim's row by column name.
ClaimValues = Values


@dataclass(frozen=True, slots=True)
class NewClaim:
    """A validated claim to create. `about_known`: its caller resolved the actors it is about
    (they exist); else they are checked here."""

    data: ClaimCreate
    about_known: bool = False


@dataclass(slots=True)
class Outcome:
    """What became of one row of a batch: refused by a rule (`error`), else its row (`values`,
    with its `tags` and `about` actor ids), the stored claims with its statement key
    (`repeats`) and whether it was created."""

    values: ClaimValues
    tags: list[str]
    about: list[uuid.UUID]
    error: InvalidField | None = None
    repeats: list[ClaimValues] = field(default_factory=list)
    created: bool = False


def claim_values(data: ClaimCreate, *, by: str | None, now: datetime) -> ClaimValues:
    """The row of a new claim (its id a new one), its schema's fields taken by name."""
    values = GIVEN.values(data)
    values.update(
        id=new_id(), statement_key=rules.statement_key(data.statement), **first_version(by, now)
    )
    return values


# Built once: a request runs it for its one row.
SAME_KEY = select(TABLE.c.id, TABLE.c.statement_key).where(
    TABLE.c.statement_key == bindparam("statement_key")
)


async def stored_repeats(
    session: AsyncSession, keys: Sequence[str]
) -> dict[str, list[ClaimValues]]:
    """The stored claims (their id and statement key) with these statement keys, by key: one
    statement for one key, else one a chunk of keys."""
    connection = await session.connection()
    key = TABLE.c.statement_key
    if len(keys) == 1:
        parts: list[tuple[Select[Any], dict[str, str]]] = [(SAME_KEY, {"statement_key": keys[0]})]
    else:
        wanted = sorted(set(keys))
        dialect = connection.dialect.name
        parts = [
            (select(TABLE.c.id, key).where(among(dialect, key, part)), {})
            for part in chunks(wanted)
        ]
    found: dict[str, list[ClaimValues]] = {}
    for statement, params in parts:
        for ident, statement_key in await connection.execute(statement, params):
            found[statement_key] = [{"id": ident, "statement_key": statement_key}]
    return found


async def create_claims(
    session: AsyncSession, batch: Sequence[NewClaim], write: Write, place: Place = refuse_repeats
) -> list[Outcome]:
    """Create the claims of `batch` that `place` gives an id, with their tags, subjects,
    zeroed counters and `create` changes; one outcome a row, in order.

    Without `bulk` (the API), a batch with any row not placed, or refused (an actor it is
    about does not exist, a rule), writes nothing. With `bulk` (an import), the rows placed
    are written through its writer, held back until the next batch's reads (which therefore
    do not see them)."""
    by, now, bulk = write.by, write.now, write.bulk
    outcomes = [
        Outcome(
            claim_values(new.data, by=by, now=now),
            new.data.tags,
            list(dict.fromkeys(new.data.about_actor_ids)),
        )
        for new in batch
    ]
    stored = await stored_repeats(session, [o.values["statement_key"] for o in outcomes])
    await write.reads_done()
    rows = [(i, outcome.values) for i, outcome in enumerate(outcomes)]
    place_rows(outcomes, rows, stored, STATEMENT_KEY, place)
    created = [outcome for outcome in outcomes if outcome.created]
    if bulk is None:
        if len(created) < len(batch):
            return outcomes
        for new, outcome in zip(batch, outcomes, strict=True):
            try:
                if not new.about_known:
                    await require_ids(session, Actor, outcome.about, "about_actor_ids", "actor")
                rules.check_claim(new.data)
            except InvalidField as exc:
                outcome.error = exc
                return outcomes
    rows = [tuple(o.values[name] for name in COLUMNS) for o in created]
    tags = [(o.values["id"], tag) for o in created for tag in o.tags]
    subjects = [(o.values["id"], a, i) for o in created for i, a in enumerate(o.about)]
    stats = [(o.values["id"], now) for o in created]
    folded: list[Folded] = [
        {"tags": o.tags, "about_actor_ids": [str(a) for a in o.about]} for o in created
    ]
    await store_created(
        await session.connection(),
        write,
        len(batch),
        Part(Claim, COLUMNS, rows),
        Part(ClaimSubject, SUBJECT_COLUMNS, subjects),
        Part(ClaimTag, TAG_COLUMNS, tags),
        Part(ClaimStats, STATS_COLUMNS, stats),
        folded=folded,
    )
    return outcomes
