"""Creating stances, one or many at once: the one write path of a new stance, for the API (a
batch of one) and the import (batches of thousands).

A stance's row is built from its `StanceCreate` by name: every field the schema and the table
share is copied as it is (enum members as their values); the table's other columns are set
here (its side, its quote's span, its date defaulted from the source's, who recorded it, the
audit columns). So a plain new field needs no change here.

A batch is checked against the package's rules (app/stances/rules.py), then looked up by
natural key (claim, actor, source, label, quote) in one statement per chunk, then each row
is placed: created under an id, or not (a repeat). The new rows and their `create` changes
are written by one INSERT each, or, for an import, through its bulk writer (COPY, held back
until the next batch's reads).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.db.batches import (
    Given,
    NaturalKeys,
    Outcome,
    Part,
    Place,
    Values,
    Write,
    check_rows,
    first_version,
    place_rows,
    refuse_repeats,
    store_created,
)
from app.models import Stance
from app.models.base import new_id
from app.stances import rules
from app.stances.schemas import StanceCreate
from app.tallies import stats
from app.vocabulary import side_of

TABLE = cast(Table, Stance.__table__)
COLUMNS = tuple(TABLE.c.keys())
GIVEN = Given.of(StanceCreate, TABLE)  # the other columns are derived
# What makes a stance a repeat of another; its stored ones are looked up by the first three.
KEYS = NaturalKeys.of(TABLE, ("claim_id", "actor_id", "source_id", "label", "quote"), looked_up=3)
natural_key = KEYS.key_of
# (one call reads a row's columns, not one a column, on every row)
_ROW_OF = itemgetter(*COLUMNS)

# A stance's row by column name, values as the database reads them back (UUIDs, aware UTC
# times, plain strings).
StanceValues = Values


@dataclass(frozen=True, slots=True)
class NewStance:
    """A validated stance to create, with what its caller resolved: its source's publication
    date (the default for `stated_at`) and text (None when the source holds none: the quote is
    then kept as given)."""

    data: StanceCreate
    published_at: datetime | None
    text: str | None
    # Its claim, actor or source is new in this transaction: no stored stance can repeat it.
    fresh: bool = False


def stance_values(new: NewStance, *, by: str | None, now: datetime) -> StanceValues:
    """The row of a new stance (its id a new one), its schema's fields taken by name; an
    InvalidField if a rule refuses it: the probability outside the label's band, a
    retraction before the stance's (defaulted) date, a quote not in its source's text."""
    data = new.data
    values = GIVEN.values(data)
    stated_at = data.stated_at if data.stated_at is not None else new.published_at
    rules.check_band(data.label, data.probability)
    rules.check_retraction(data.retracted_at, data.retraction_source_id, stated_at)
    start = end = prefix = suffix = None
    if data.quote is not None and new.text is not None:
        span = rules.quote_span(data.source_id, data.quote, new.text)
        values["quote"] = span.exact
        start, end, prefix, suffix = span.start, span.end, span.prefix, span.suffix
    values.update(
        id=new_id(),
        side=side_of(data.label).value,
        quote_start=start,
        quote_end=end,
        quote_prefix=prefix,
        quote_suffix=suffix,
        stated_at=stated_at,
        **first_version(by, now, by_column="recorded_by"),
    )
    return values


async def create_stances(
    session: AsyncSession, batch: Sequence[NewStance], write: Write, place: Place = refuse_repeats
) -> list[Outcome]:
    """Create the stances of `batch` that the rules accept and `place` gives an id, with
    their `create` changes; one outcome a row, in order.

    Without `bulk` (the API), each claim's counters are updated as its rows are counted:
    their UPDATE takes the claim's row lock before the repeats are looked for, so two equal
    stances cannot both be created. A batch with any row refused, or not placed, writes
    nothing, and the caller rolls back (the counters were counted). With `bulk` (an import),
    the rows accepted are written through its writer, held back until the next batch's
    reads (which therefore do not see them), and the caller recounts the claims."""
    by, now, bulk = write.by, write.now, write.bulk
    refused = write.refused
    connection = await session.connection()
    outcomes, checked = check_rows(batch, lambda new: stance_values(new, by=by, now=now), refused)
    counted: list[bool] = []
    if bulk is None:
        if len(checked) < len(batch):
            return outcomes
        for _, values in checked:
            retracted = values["retracted_at"] is not None
            counted.append(
                await stats.count_new_stance(
                    connection, values["claim_id"], values["side"], values["stated_at"], retracted
                )
            )
    looked_up = [values for i, values in checked if not batch[i].fresh]
    stored = await KEYS.stored(connection, looked_up) if looked_up else {}
    await write.reads_done()
    created = place_rows(outcomes, checked, stored, natural_key, place)
    rows = [_ROW_OF(values) for values in created]
    written = await store_created(connection, write, len(batch), Part(Stance, COLUMNS, rows))
    if written and bulk is None:
        await _count_created(session, connection, created, counted)
    return outcomes


async def _count_created(
    session: AsyncSession,
    connection: AsyncConnection,
    created: Sequence[StanceValues],
    counted: Sequence[bool],
) -> None:
    """Tally the new current stances of counted claims; build the counters of claims that had
    none (from their stances, the new ones included)."""
    recount = set()
    for values, found in zip(created, counted, strict=True):
        if not found:
            recount.add(values["claim_id"])
        elif values["retracted_at"] is None:
            await stats.tally_new_stance(
                connection,
                values["claim_id"],
                values["side"],
                actor_id=values["actor_id"],
                label=values["label"],
                probability=values["probability"],
            )
    if recount:
        await stats.recount(session, recount)
