"""NDJSON framing: numbered lines from a byte stream, and records to bytes."""

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping

import orjson

MAX_LINE = 64 * 1024 * 1024  # bytes; a source's text may be long, but not unbounded
MEDIA_TYPE = "application/x-ndjson"


class LineTooLong(ValueError):
    pass


async def lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[tuple[int, bytes]]:
    """The non-blank lines of a byte stream, numbered from 1 as in the file."""
    buffer = bytearray()
    number = 0
    async for chunk in chunks:
        buffer += chunk
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            number += 1
            line = bytes(buffer[start:end])
            start = end + 1
            if line.strip():
                yield number, line
        del buffer[:start]
        if len(buffer) > MAX_LINE:
            raise LineTooLong(f"line {number + 1} is longer than {MAX_LINE} bytes")
    if buffer.strip():
        yield number + 1, bytes(buffer)


async def numbered(
    records: Iterable[dict[str, object]],
) -> AsyncIterator[tuple[int, dict[str, object]]]:
    """Decoded records (from a standard format), numbered from 1."""
    for number, record in enumerate(records, start=1):
        yield number, record


def dumps(record: Mapping[str, object]) -> bytes:
    """One record as an NDJSON line (UUIDs as strings, times in UTC with a `Z`)."""
    return orjson.dumps(record, option=orjson.OPT_UTC_Z) + b"\n"
