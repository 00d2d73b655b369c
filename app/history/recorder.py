"""Recording every change to every record, in the transaction that makes it.

A `before_flush` listener on all sessions turns each new, changed or deleted top-level record
(actor, source, claim, stance, affiliation, citation, claim relation) into a `changes` row with
the record's fields before and after. Sub-records (aliases, external ids, authors, tags,
subjects) are part of their owner's snapshot. Writes that bypass the ORM (bulk import) record
their changes themselves.

A create stores no snapshot when the record as created can be read back (`derivable`): it is
then the `before` of the record's next change, or the record as it is now if it has none
(app/history/rebuild.py), and most changes are creates. Updates and deletes keep both.
"""

import uuid
from typing import NotRequired, Protocol, TypedDict, cast

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.base import NO_VALUE

from app.context import current_request_id, current_writer
from app.history.snapshots import (
    COLLECTIONS,
    ENTITIES,
    POSITIONED,
    SKIPPED,
    Snapshot,
    derivable,
    json_value,
)
from app.models import Change, ChangeBatch, Stance


class Record(Protocol):
    """A top-level record (one of ENTITIES)."""

    id: uuid.UUID
    version: int


class Pending(TypedDict):
    """A record the transaction changes, as it stood before its first change."""

    obj: Record
    action: str
    before: Snapshot | None
    version: NotRequired[int]


def _snapshot(obj: Record, *, before: bool) -> Snapshot:
    """The record's fields as they were (`before`) or are about to be."""
    state = inspect(obj)
    out: Snapshot = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SKIPPED:
            continue
        history = state.attrs[key].history
        if before and history.deleted:
            value = history.deleted[0]
        elif history.added:
            value = history.added[0]
        elif history.unchanged:
            value = history.unchanged[0]
        else:
            value = state.dict.get(key)
        out[key] = json_value(value)
    for attr_name, (field, value_of) in COLLECTIONS.items():
        if attr_name not in state.mapper.relationships:
            continue
        if state.attrs[attr_name].loaded_value is NO_VALUE:
            continue  # not loaded: left out rather than loaded behind the caller's back
        history = state.attrs[attr_name].history
        items = [*history.unchanged, *(history.deleted if before else history.added)]
        values = [value_of(item) for item in items]
        # External ids are (scheme, value) pairs, held as one object.
        out[field] = (
            dict(cast(list[tuple[str, str]], values)) if field == "external_ids" else values
        )
    return out


def _in_position_order(obj: Record) -> bool:
    state = inspect(obj)
    for name in POSITIONED:
        if name in state.mapper.relationships and state.attrs[name].loaded_value is not NO_VALUE:
            positions = [item.position for item in getattr(obj, name)]
            if positions != sorted(positions):
                return False
    return True


def _change(
    obj: Record,
    action: str,
    before: Snapshot | None,
    after: Snapshot | None,
    version: int,
    batch_id: int | None,
) -> Change:
    return Change(
        entity=ENTITIES[type(obj)],
        entity_id=obj.id,
        version=version,
        action=action,
        batch_id=batch_id,
        before=before,
        after=after,
    )


def _batch(session: Session) -> int | None:
    """The id of a new batch naming the transaction's writer and request (None if neither is
    known), flushed so that its changes can name it."""
    writer, request_id = current_writer.get(), current_request_id.get()
    if writer is None and request_id is None:
        return None
    batch = ChangeBatch(writer=writer, request_id=request_id)
    session.add(batch)
    session.flush()
    return batch.id


PENDING = "claimgraph_pending_changes"


def _pending(session: Session) -> dict[int, Pending]:
    return cast(dict[int, Pending], session.info.setdefault(PENDING, {}))


def _track(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Note each record's state before the transaction first touched it. A service may flush
    several times in one change; the history keeps one entry per record per transaction."""
    pending = _pending(session)
    for obj in session.new:
        if type(obj) in ENTITIES:
            pending.setdefault(id(obj), {"obj": obj, "action": "create", "before": None})
    for obj in session.dirty:
        if type(obj) in ENTITIES and id(obj) not in pending and session.is_modified(obj):
            pending[id(obj)] = {
                "obj": obj,
                "action": "update",
                "before": _snapshot(obj, before=True),
            }
    for obj in session.deleted:
        if type(obj) not in ENTITIES:
            continue
        seen = pending.get(id(obj))
        if seen is not None and seen["action"] == "create":
            del pending[id(obj)]  # created and deleted in one transaction: nothing happened
            continue
        before = seen["before"] if seen else _snapshot(obj, before=True)
        pending[id(obj)] = {
            "obj": obj,
            "action": "delete",
            "before": before,
            "version": obj.version + 1,
        }


def _write(session: Session) -> None:
    """Turn the transaction's tracked records into change rows (flushed with the commit)."""
    if session.new or session.dirty or session.deleted:
        # Changes not flushed yet would be flushed by the commit after this hook, unseen.
        session.flush()
    pending = cast(dict[int, Pending], session.info.pop(PENDING, {}))
    changes: list[tuple[Record, str, Snapshot | None, Snapshot | None, int]] = []
    for entry in pending.values():
        obj, action, before = entry["obj"], entry["action"], entry["before"]
        after = None if action == "delete" else _snapshot(obj, before=False)
        if action == "update" and before is not None and after is not None:
            if before == after:
                continue
            if isinstance(obj, Stance) and before.get("retracted_at") != after.get("retracted_at"):
                action = "retract" if after.get("retracted_at") else "unretract"
        version = entry.get("version", obj.version)
        if (
            action == "create"
            and after is not None
            and derivable(ENTITIES[type(obj)], after)
            and _in_position_order(obj)
        ):
            after = None  # read back from the record (app/history/rebuild.py)
        changes.append((obj, action, before, after, version))
    if changes:
        batch_id = _batch(session)
        session.add_all(_change(*change, batch_id) for change in changes)


def _forget(session: Session, *_: object) -> None:
    session.info.pop(PENDING, None)


def install() -> None:
    """Record changes for every session in this process (idempotent)."""
    for name, listener in (
        ("before_flush", _track),
        ("before_commit", _write),
        ("after_rollback", _forget),
        ("after_soft_rollback", _forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
