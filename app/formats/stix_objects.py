"""The pieces of a STIX bundle: every object's common properties, relationships, the ids of
identities, reports and notes, and the reports and notes held until the stances are known."""

from dataclasses import dataclass, field
from typing import Any

from app.formats.common import Record, uuid_text
from app.formats.stix_vocab import SPEC_VERSION, stix_id, stix_time

Object = dict[str, Any]


def stix_object(kind: str, sid: str, record: Record, created: object = None) -> Object:
    """The properties every STIX object has; `created` defaults to the record's own."""
    created_at = stix_time(created or record.get("created_at"))
    modified = stix_time(record.get("updated_at")) if record.get("updated_at") else created_at
    return {
        "type": kind,
        "spec_version": SPEC_VERSION,
        "id": sid,
        "created": created_at,
        "modified": max(created_at, modified),
    }


def relationship(sid: str, record: Record, kind: str, source_ref: str, target_ref: str) -> Object:
    obj = stix_object("relationship", sid, record)
    obj.update(relationship_type=kind, source_ref=source_ref, target_ref=target_ref)
    return obj


def present(obj: Object) -> Object:
    return {k: v for k, v in obj.items() if v is not None and v != []}


def identity_id(ref: object) -> str:
    return stix_id("identity", ref)


def report_id(ref: object) -> str:
    return stix_id("report", ref)


def note_id(ref: object) -> str:
    return stix_id("note", ref)


def packed_ref(kind: str, packed: bytes | bytearray) -> str:
    return f"{kind}--{uuid_text(packed)}"


def packed_uuid(sid: str) -> bytes:
    """The 16 bytes of a STIX id's UUID."""
    return bytes.fromhex(sid.partition("--")[2].replace("-", ""))


@dataclass(slots=True)
class Report:
    obj: Object
    # What to point at when the source records no stance: authors, publisher, what it cites.
    fallback: list[str]
    # Per stance recorded here: its opinion's and its note's UUIDs (16 bytes each).
    contents: bytearray = field(default_factory=bytearray)


@dataclass(slots=True)
class Note:
    obj: Object
    about: list[str]
    packed: bytes
    reports: dict[str, None] = field(default_factory=dict)
