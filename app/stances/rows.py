"""Reading stances as rows: one joined Core SELECT, each row turned into a `StanceOut`.

Plain columns rather than ORM entities: lists of stances are the hot read path, and loading
ORM objects per row costs more than the query itself.
"""

import uuid
from datetime import datetime
from operator import itemgetter
from typing import Any, Protocol, TypedDict, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.roles import TypedColumnsClauseRole

from app.models import Actor, Claim, Source, Stance
from app.stances.schemas import StanceOut
from app.vocabulary import STANCE_LABELS

Publisher = aliased(Actor, name="publisher")

STANCE_COLUMNS = (
    *Stance.__table__.columns,  # every column of the stance, in the table's order
    Actor.name.label("actor_name"),
    Actor.kind.label("actor_kind"),
    Source.title.label("source_title"),
    Source.url.label("source_url"),
    Source.publisher_id.label("publisher_id"),
    Publisher.name.label("publisher_name"),
    Source.published_at.label("source_published_at"),
    Claim.statement.label("claim_statement"),
)


class StanceRow(Protocol):
    """A row of `select_stances()`: its columns (STANCE_COLUMNS) by place, as `stance_fields`
    reads them, and by name, as the few readers of single columns do."""

    id: uuid.UUID
    label: str
    probability: float | None

    def __getitem__(self, index: int, /) -> Any: ...


class SpanFields(TypedDict):
    """The `QuoteSpan` fields."""

    start: int
    end: int
    prefix: str
    suffix: str


class BandFields(TypedDict):
    """The `BandOut` fields."""

    low: float
    high: float


class ActorRefFields(TypedDict):
    """The `ActorRef` fields."""

    id: uuid.UUID
    name: str
    kind: str


class PublisherFields(TypedDict):
    """The `PublisherRef` fields."""

    id: uuid.UUID
    name: str | None


class SourceRefFields(TypedDict):
    """The `SourceRef` fields."""

    id: uuid.UUID
    title: str
    url: str | None
    publisher_id: uuid.UUID | None
    publisher: PublisherFields | None
    published_at: datetime | None


class ClaimRefFields(TypedDict):
    """The `ClaimRef` fields."""

    id: uuid.UUID
    statement: str


class StanceFields(TypedDict):
    """The `StanceOut` fields, in the model's order, as plain values ready for JSON."""

    created_at: datetime
    updated_at: datetime
    version: int
    id: uuid.UUID
    claim_id: uuid.UUID
    actor_id: uuid.UUID
    source_id: uuid.UUID
    label: str
    side: str
    probability: float | None
    band: BandFields | None
    confidence: str | None
    quote: str | None
    quote_span: SpanFields | None
    stated_at: datetime | None
    recorded_by: str | None
    retracted_at: datetime | None
    retraction_source_id: uuid.UUID | None
    actor: ActorRefFields
    source: SourceRefFields
    claim: ClaimRefFields


def select_stances(*extra: TypedColumnsClauseRole[object]) -> Select[*tuple[object, ...]]:
    """Stances joined to the actor, source (and its publisher) and claim each row embeds."""
    return (
        select(*STANCE_COLUMNS, *extra)
        .join(Actor, Actor.id == Stance.actor_id)
        .join(Source, Source.id == Stance.source_id)
        .outerjoin(Publisher, Publisher.id == Source.publisher_id)
        .join(Claim, Claim.id == Stance.claim_id)
    )


# Keyed by the label's string value, as rows hold it.
_BANDS: dict[str, BandFields | None] = {
    str(label): {"low": info.band.low, "high": info.band.high} if info.band else None
    for label, info in STANCE_LABELS.items()
}


# The `StanceOut` fields that are the stance's columns as they are, beyond those
# `stance_fields` names: read by name, and placed in the model's order.
_PLAIN = tuple(
    name
    for name in StanceOut.model_fields
    if name in Stance.__table__.c and name not in StanceFields.__annotations__
)


# The columns `stance_fields` reads, by their place in a row of `select_stances()`: a row is
# read by position in one call, since a SQLAlchemy row looks an attribute up by its name on
# every access (twenty-odd such lookups a stance were a quarter of a page's time on SQLite).
STANCE_KEYS = tuple(column.key for column in STANCE_COLUMNS)
_AT = {key: i for i, key in enumerate(STANCE_KEYS)}
_READ = itemgetter(
    *(
        _AT[name]
        for name in (
            "created_at", "updated_at", "version", "id", "claim_id", "actor_id", "source_id",
            "label", "side", "probability", "confidence", "quote", "quote_start", "quote_end",
            "quote_prefix", "quote_suffix", "stated_at", "recorded_by", "retracted_at",
            "retraction_source_id", "actor_name", "actor_kind", "source_title", "source_url",
            "publisher_id", "publisher_name", "source_published_at", "claim_statement",
        )
    )
)  # fmt: skip


def stance_fields(row: StanceRow) -> StanceFields:
    """The `StanceOut` fields of one row of `select_stances()`, in the model's order, nested
    records as dicts: ready for JSON as they are (`app.http.rendering`), or for Pydantic to validate
    in one pass with the stance."""
    (
        created_at, updated_at, version, stance_id, claim_id, actor_id, source_id,
        label, side, probability, confidence, quote, start, end,
        prefix, suffix, stated_at, recorded_by, retracted_at,
        retraction_source_id, actor_name, actor_kind, source_title, source_url,
        publisher_id, publisher_name, source_published_at, claim_statement,
    ) = _READ(row)  # fmt: skip
    span: SpanFields | None = (
        {"start": start, "end": end, "prefix": prefix or "", "suffix": suffix or ""}
        if start is not None and end is not None
        else None
    )
    publisher: PublisherFields | None = (
        {"id": publisher_id, "name": publisher_name} if publisher_id is not None else None
    )
    fields: StanceFields = {
        "created_at": created_at,
        "updated_at": updated_at,
        "version": version,
        "id": stance_id,
        "claim_id": claim_id,
        "actor_id": actor_id,
        "source_id": source_id,
        "label": label,
        "side": side,
        "probability": probability,
        "band": _BANDS[label],
        "confidence": confidence,
        "quote": quote,
        "quote_span": span,
        "stated_at": stated_at,
        "recorded_by": recorded_by,
        "retracted_at": retracted_at,
        "retraction_source_id": retraction_source_id,
        "actor": {"id": actor_id, "name": actor_name, "kind": actor_kind},
        "source": {
            "id": source_id,
            "title": source_title,
            "url": source_url,
            "publisher_id": publisher_id,
            "publisher": publisher,
            "published_at": source_published_at,
        },
        "claim": {"id": claim_id, "statement": claim_statement},
    }
    if _PLAIN:  # a field named by the schema and the table alone (none today: no cost)
        plain = cast(dict[str, object], fields)
        plain.update((name, getattr(row, name)) for name in _PLAIN)
        return cast(StanceFields, {name: plain[name] for name in StanceOut.model_fields})
    return fields


def row_to_out(row: StanceRow) -> StanceOut:
    """The `StanceOut` of one row of `select_stances()`."""
    # Validated as a mapping: its fields beyond `StanceFields` are the schema's alone.
    return StanceOut.model_validate(stance_fields(row))
