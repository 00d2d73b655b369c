"""The change history of the records an import creates.

Rows written in bulk bypass the ORM, and so the history recorder's flush listener: the import
writes their `create` changes itself, in the same transaction and in the recorder's own shape
(the record's columns but the audit ones, UUIDs as strings, times in ISO 8601, sub-records
folded in), so the history and the change feed show imported records like any other. Like
the recorder, it stores no snapshot when the record as created can be read back (nearly
always: see recorder.derivable; positioned sub-records are in position order here).
(Records an import updates go through the services, and the recorder as usual.)
"""

from collections.abc import Sequence
from datetime import datetime

import orjson
from sqlalchemy import Uuid, inspect

from app.context import current_request_id, current_writer
from app.history.recorder import ENTITIES, SKIPPED, derivable
from app.models import Base, Change
from app.transfer.bulk import BulkWriter
from app.transfer.rows import ChangeRow, TableRow

Layout = tuple[list[str], list[int], list[int]]
# What the recorder folds into a record's snapshot: its sub-records (lists, a mapping).
Folded = dict[str, list[str] | dict[str, str]]


def dashed(hex_id: str) -> str:
    """32 hex digits as a canonical UUID string."""
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


class ChangeLog:
    """Writes a `create` change for each row an import inserts."""

    def __init__(self, writer: BulkWriter, now: datetime) -> None:
        self.writer = writer
        self.now = now
        self.who = current_writer.get()
        self.request = current_request_id.get()
        self._layouts: dict[tuple[type[Base], tuple[str, ...]], Layout] = {}

    def _layout(self, model: type[Base], columns: Sequence[str]) -> Layout:
        """The snapshot's field names, their positions in an inserted row, and which of them
        (by index among the fields) are UUIDs."""
        key = (model, tuple(columns))
        if key not in self._layouts:
            names: list[str] = []
            positions: list[int] = []
            uuids: list[int] = []
            attrs = inspect(model).column_attrs
            for attr in attrs:
                if attr.key in SKIPPED:
                    continue
                column_type = attr.columns[0].type
                if isinstance(column_type, Uuid):
                    uuids.append(len(names))
                names.append(attr.key)
                positions.append(columns.index(attr.key))
            self._layouts[key] = (names, positions, uuids)
        return self._layouts[key]

    async def created(
        self,
        model: type[Base],
        rows: Sequence[TableRow],
        folded: list[Folded] | None = None,
        *,
        defer: bool = False,
    ) -> None:
        """Record the creation of these rows; `folded` gives each row's sub-records as the
        recorder folds them in (aliases, author_ids, tags, ...); `defer` as in
        BulkWriter.insert."""
        if not rows:
            return
        names, positions, uuids = self._layout(model, rows[0]._fields)
        entity = ENTITIES[model]
        changes = []
        for i, row in enumerate(rows):
            values: list[object] = [row[at] for at in positions]
            for j in uuids:
                if values[j] is not None:
                    values[j] = dashed(str(values[j]))
            # (times need nothing: orjson writes an aware datetime as isoformat() does)
            after: dict[str, object] = dict(zip(names, values, strict=True))
            if folded is not None:
                after.update(folded[i])
            stored = None if derivable(entity, after) else orjson.dumps(after).decode()
            changes.append(
                ChangeRow(
                    entity,
                    str(row[0]),
                    1,
                    "create",
                    self.who,
                    self.request,
                    self.now,
                    stored,
                )
            )
        await self.writer.insert(Change, changes, defer=defer)
