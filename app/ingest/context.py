"""The state one import carries from batch to batch, and the helpers its record types share."""

import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.batches import Bulk, Refused, Write
from app.db.bulk import BulkWriter
from app.db.lookup import Column, among, chunks, rows_among
from app.errors import DomainError
from app.history.changelog import ChangeLog
from app.ingest.keyindex import KeyIndex, Target
from app.ingest.records import AnyRecord, HexId, LineError
from app.models import Source

ERROR_CAP = 1000
TEXT_BUDGET = 16_000_000  # characters of source text kept for quote checks


def new_hex() -> HexId:
    """A new time-ordered id (UUIDv7), as 32 hex digits."""
    from uuid_utils import uuid7

    return uuid7().hex


def as_uuid(hex_id: HexId) -> uuid.UUID:
    return uuid.UUID(hex=hex_id)


# Where a ref led: the record's id and what a referring record needs to know of it.
Resolved = Target


class ErrorLog:
    """Every problem found, the first ERROR_CAP of them kept."""

    def __init__(self) -> None:
        self.kept: list[LineError] = []
        self.count = 0

    def add(self, error: LineError) -> None:
        self.count += 1
        if len(self.kept) < ERROR_CAP:
            self.kept.append(error)

    def extend(self, errors: Iterable[LineError]) -> None:
        for error in errors:
            self.add(error)

    @property
    def full(self) -> bool:
        return self.count >= ERROR_CAP


class TextCache:
    """Source texts by id for quote checks, within a character budget (oldest dropped)."""

    def __init__(self, budget: int = TEXT_BUDGET) -> None:
        self.budget = budget
        self.size = 0
        self._texts: dict[str, str] = {}

    def get(self, source_id: str) -> str | None:
        return self._texts.get(source_id)

    def put(self, source_id: str, text: str | None) -> None:
        old = self._texts.pop(source_id, None)
        if old is not None:
            self.size -= len(old)
        if text is None:
            return
        self._texts[source_id] = text
        self.size += len(text)
        while self.size > self.budget and len(self._texts) > 1:
            first = next(iter(self._texts))
            self.size -= len(self._texts.pop(first))

    async def load(
        self, session: AsyncSession, dialect: str, source_ids: Iterable[str]
    ) -> dict[str, str]:
        """The texts of these sources (those not at hand fetched)."""
        wanted = set(source_ids)
        texts = {s: t for s in wanted if (t := self._texts.get(s)) is not None}
        missing = sorted(wanted - texts.keys())
        for part in chunks(missing):
            rows = await session.execute(
                select(Source.id, Source.text).where(
                    among(dialect, Source.id, [as_uuid(s) for s in part])
                )
            )
            for source_id, text in rows:
                if text is not None:
                    texts[source_id.hex] = text
                    self.put(source_id.hex, text)
        return texts


@dataclass
class Context:
    """One import: its session, writer, keys, errors and counts."""

    session: AsyncSession
    writer: BulkWriter
    changes: ChangeLog
    by: str | None
    now: datetime
    index: KeyIndex = field(default_factory=KeyIndex)
    errors: ErrorLog = field(default_factory=ErrorLog)
    texts: TextCache = field(default_factory=TextCache)
    counts: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    touched_claims: set[HexId] = field(default_factory=set)  # claims whose stances changed
    # By record type: the natural keys its last batch created (see app.ingest.upsert.Decider).
    held: dict[str, dict[Hashable, HexId]] = field(default_factory=dict)

    @property
    def audit(self) -> tuple[str | None, datetime, datetime, int]:
        """A new row's last columns: created_by, created_at, updated_at, version."""
        return (self.by, self.now, self.now, 1)

    def fail(self, record: AnyRecord, field_name: str, message: str, type: str) -> None:
        """Record a problem with this record's line; the record is not written."""
        record.failed = True
        self.errors.add(LineError(record.line, field_name, message, type))

    def count(self, record: AnyRecord, outcome: str) -> None:
        record.outcome = outcome
        self.counts[record.type][outcome] += 1

    def write(self, refused: Refused | None = None) -> Write:
        """How this import writes a batch: its writer and clock, through its bulk target."""
        return Write(self.by, self.now, Bulk(self.writer, self.changes), refused)

    def among(self, column: Column, values: Sequence[object]) -> ColumnElement[bool]:
        """`column` is one of `values` (see `lookup`)."""
        return among(self.writer.dialect, column, values)

    def rows_among(
        self, columns: Sequence[Column], rows: Sequence[Sequence[object]]
    ) -> ColumnElement[bool]:
        """The row of `columns` is one of `rows` (see `lookup`)."""
        return rows_among(self.writer.dialect, columns, rows)

    def created_here(self, created_at: datetime) -> bool:
        """Whether a row with this creation time was created by this import."""
        return created_at == self.now

    async def apply(
        self, record: AnyRecord, change: Callable[[], Awaitable[object]], outcome: str = "updated"
    ) -> None:
        """Run a service's update for this record; a refusal becomes an error on its line."""
        try:
            await change()
        except DomainError as exc:
            # The service refused before writing; what it changed on loaded objects is dropped.
            self.session.expunge_all()
            errors = getattr(exc, "errors", None)
            if errors:
                for e in errors:
                    self.fail(record, e.field, e.message, e.type)
            else:
                self.fail(record, "", exc.detail, exc.type)
            return
        self.count(record, outcome)
