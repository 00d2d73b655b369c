"""What the format adapters share: record ids, timestamps, the five-point stance scale, chunking.

Records are dicts in the NDJSON export shape (`id` = `key` = a UUID string, refs are keys).
"""

import functools
import hashlib
import math
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from app.vocabulary import STANCE_LABELS, StanceLabel, StanceSide

Record = dict[str, Any]

CHUNK_SIZE = 64 * 1024

# Keys that are not UUIDs (hand-written files) are mapped into this namespace, so that every
# identifier a format writes is a UUID. Never change it: it keeps such exports stable.
KEY_NAMESPACE = uuid.UUID("3f0d6f5e-2b8c-5e57-9d4a-6c1f0b7a2e10")

# The five-point scale that STIX opinions and ClaimReview ratings share, -2 (strongest dispute)
# to +2 (strongest support). "Strongly" is kept for the categorical ends (confirmed, denied)
# and the "very / almost certainly" bands next to them, alike on both sides, so the scale is
# symmetric; the exact label travels separately where a format has room for it.
STRENGTH: dict[StanceLabel, int] = {
    StanceLabel.confirmed: 2,
    StanceLabel.highly_likely: 2,
    StanceLabel.asserted: 1,
    StanceLabel.likely: 1,
    StanceLabel.possible: 0,
    StanceLabel.reported: 0,
    StanceLabel.no_comment: 0,
    StanceLabel.questioned: -1,
    StanceLabel.unlikely: -1,
    StanceLabel.highly_unlikely: -2,
    StanceLabel.denied: -2,
}


def record_id(record: Record) -> str:
    """The record's id (its key when it has no id)."""
    return str(record.get("id") or record["key"])


def as_uuid(value: object) -> uuid.UUID:
    """The UUID a record id or ref stands for; a non-UUID key maps to a stable UUIDv5."""
    text = str(value)
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.uuid5(KEY_NAMESPACE, text)


def uuid5_text(namespace: uuid.UUID, name: str) -> str:
    """`str(uuid.uuid5(namespace, name))`, several times faster: exports make millions."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode()).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # RFC 4122 variant
    return uuid_text(digest)


def uuid_text(packed: bytes | bytearray) -> str:
    """The canonical text of a UUID given as 16 bytes."""
    h = packed.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 string (or date, or datetime); None for none."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(value: object) -> str | None:
    """ISO 8601 in UTC with a `Z`, or None."""
    if isinstance(value, str):
        return _iso_text(value)
    moment = parse_time(value)
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


# Times repeat a great deal across the stances of one export (often a day's worth); parsing
# each only once keeps formatting off the profile.
@functools.lru_cache(maxsize=4096)
def _iso_text(value: str) -> str | None:
    moment = parse_time(value)
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def percent(p: float) -> int:
    """A probability as a whole percentage, halves rounded up."""
    return math.floor(round(p * 100, 6) + 0.5)


def stance_probability(label: StanceLabel, probability: float | None) -> float | None:
    """The stance's probability: the explicit one, else its label's band midpoint, else None."""
    if probability is not None:
        return float(probability)
    band = STANCE_LABELS[label].band
    return None if band is None else band.midpoint


def position_confidence(label: StanceLabel, probability: float | None) -> int | None:
    """0-100: how likely the stance's own position is right, or None without a probability.

    A denial at p = 0.02 is a confident position (98), not a weak one: the probability is that
    the claim is true, so on the dispute side the position holds with 1 - p.
    """
    p = stance_probability(label, probability)
    if p is None:
        return None
    return percent(1 - p if STANCE_LABELS[label].side is StanceSide.dispute else p)


def probability_from_confidence(label: StanceLabel, confidence: int) -> float:
    """The inverse of `position_confidence`, to two decimals."""
    p = confidence / 100
    return round(1 - p if STANCE_LABELS[label].side is StanceSide.dispute else p, 2)


def chunked(pieces: Iterable[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Joins small pieces into chunks of about `size` bytes, for efficient streaming."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= size:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def spool() -> "tempfile.SpooledTemporaryFile[bytes]":
    """A scratch buffer that stays in memory while small and moves to disk when large."""
    return tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)


def read_back(file: "tempfile.SpooledTemporaryFile[bytes]") -> Iterator[bytes]:
    """Everything written to a spool, from the start, in chunks."""
    file.seek(0)
    while chunk := file.read(CHUNK_SIZE):
        yield chunk
