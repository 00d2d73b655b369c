"""What an import remembers of the keys it has read, in little memory.

Every key (of any type) goes into a SQLite table of two 64-bit hashes and its line, so that a
repeated key is found however far apart the two lines are; keys are compared by both hashes,
so two different keys are taken for one only with probability about n^2 / 2^129. Keys of
records that later lines may refer to (actors, sources, claims) go into another, each with
one packed number: the record's id, type, line and the facts a referring stance needs. A
batch's refs are looked up there together (`load`), and the most recently used targets are
also kept decoded. The natural keys of the stances the import creates go into a third, by
their 64-bit hash (a repeat is refused; two different ones are taken for one with
probability about n^2 / 2^65).

Those tables live in a private temporary file with a 2 MiB page cache, not in memory: in
memory they would grow with the file (a dictionary of 300,000 keys and their targets holds
~40 MB, a Python set of a million hashes ~90 MB, kept until the import ends and scattered
among the batches' short-lived objects) and hold the process's peak up, while on disk they
cost a few seconds of a large import. The pages it does not cache stay in the operating
system's file cache.
"""

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

_M128 = (1 << 128) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TYPES = ("actor", "source", "claim")
_CODE = {name: i for i, name in enumerate(_TYPES)}
CREATED, HAS_TEXT, FAILED = 1, 2, 4
HOT = 30_000  # decoded targets kept at hand
SEEN_CACHE_KIB = 2048
_PACKED_BYTES = 32  # a packed target, signed (a date before 1970 packs as a negative number)


class Target(NamedTuple):
    """A record other lines may refer to, as far as a referring record needs to know it."""

    type: str
    id: str  # hex UUID
    line: int
    created: bool = False  # created by this import
    has_text: bool = False  # a source holding its text
    published_at: datetime | None = None  # a source's publication date
    failed: bool = False  # its line was invalid: refs to it are not reported again


def _micros(at: datetime | None) -> int:
    return 0 if at is None else (at - _EPOCH) // timedelta(microseconds=1) + 1


def pack(target: Target) -> int:
    flags = (
        (CREATED if target.created else 0)
        | (HAS_TEXT if target.has_text else 0)
        | (FAILED if target.failed else 0)
    )
    return (
        int(target.id, 16)
        | _CODE[target.type] << 128
        | flags << 130
        | target.line << 133
        | _micros(target.published_at) << 165
    )


def unpack(value: int) -> Target:
    flags = (value >> 130) & 7
    micros = value >> 165
    return Target(
        _TYPES[(value >> 128) & 3],
        "%032x" % (value & _M128),
        (value >> 133) & 0xFFFFFFFF,
        bool(flags & CREATED),
        bool(flags & HAS_TEXT),
        None if micros == 0 else _EPOCH + timedelta(microseconds=micros - 1),
        bool(flags & FAILED),
    )


class KeyIndex:
    """The keys of one import: which were seen (on which line), and where refs lead."""

    def __init__(self) -> None:
        self._hot: dict[str, Target] = {}
        self._seen = sqlite3.connect("")  # "": a temporary file, deleted when closed
        self._seen.execute(f"PRAGMA cache_size = -{SEEN_CACHE_KIB}")
        self._seen.execute("PRAGMA journal_mode = OFF")  # nothing in it outlives the import
        self._seen.execute(
            "CREATE TABLE seen (h1 INTEGER PRIMARY KEY, h2 INTEGER NOT NULL, line INTEGER)"
        )
        self._seen.execute(
            "CREATE TABLE targets (h1 INTEGER PRIMARY KEY, h2 INTEGER NOT NULL, packed BLOB)"
        )
        self._seen.execute("CREATE TABLE stances (h INTEGER PRIMARY KEY)")

    def close(self) -> None:
        """Forget every key (closing twice is harmless)."""
        self._seen.close()
        self._hot.clear()

    def load(self, keys: Iterable[str]) -> dict[str, Target]:
        """Where refs to these keys lead, for those an earlier batch gave a referable record:
        one statement for all of them (those at hand are not looked up)."""
        found: dict[str, Target] = {}
        wanted: dict[int, str] = {}
        hot = self._hot
        for key in set(keys):
            target = hot.get(key)
            if target is None:
                wanted[hash(key)] = key
            else:
                found[key] = target
        if wanted:
            for h1, h2, packed in self._seen.execute(_LOAD_TARGETS, (json.dumps(list(wanted)),)):
                key = wanted[h1]
                if h2 == hash(key + "\x1f"):
                    found[key] = target = unpack(int.from_bytes(packed, signed=True))
                    self._keep(key, target)
        return found

    def _keep(self, key: str, target: Target) -> None:
        if len(self._hot) >= HOT:
            for old in list(self._hot)[: HOT // 4]:  # the oldest quarter goes
                del self._hot[old]
        self._hot[key] = target

    def add_targets(self, targets: list[tuple[str, Target]]) -> None:
        """Remember where refs to these keys (new, and distinct) lead."""
        rows = []
        for key, target in targets:
            packed = pack(target).to_bytes(_PACKED_BYTES, signed=True)
            rows.append((hash(key), hash(key + "\x1f"), packed))
            self._keep(key, target)
        self._seen.executemany("INSERT OR REPLACE INTO targets VALUES (?, ?, ?)", rows)

    def add_keys(self, keys: list[tuple[str, int]]) -> dict[int, int]:
        """Remember these (key, line) pairs, distinct among themselves; returns, for each line
        whose key an earlier batch already gave, that earlier line."""
        rows = [(hash(key), hash(key + "\x1f"), line) for key, line in keys]
        before = self._seen.total_changes
        self._seen.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", rows)
        if self._seen.total_changes - before == len(rows):
            return {}
        repeated: dict[int, int] = {}
        for h1, h2, line in rows:
            found = self._seen.execute("SELECT h2, line FROM seen WHERE h1 = ?", (h1,)).fetchone()
            if found is not None and found[1] != line and found[0] == h2:
                repeated[line] = found[1]
        return repeated

    def add_stance(self, natural: int) -> bool:
        """Remember a new stance's natural key (its hash); False if it was already known."""
        return self._seen.execute(_ADD_STANCE, (natural,)).rowcount == 1

    def forget_stance(self, natural: int) -> None:
        """Forget a natural key `add_stance` took for a stance that was not created after all."""
        self._seen.execute("DELETE FROM stances WHERE h = ?", (natural,))


_ADD_STANCE = "INSERT OR IGNORE INTO stances VALUES (?)"
# The targets of a list of key hashes (given as one JSON array: any number in one statement).
_LOAD_TARGETS = (
    "SELECT t.h1, t.h2, t.packed FROM json_each(?) AS k JOIN targets AS t ON t.h1 = k.value"
)
