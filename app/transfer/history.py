"""The change history of the records an import creates.

Rows written in bulk bypass the ORM, and so the history recorder's flush listener: the import
writes their `create` changes itself, in the same transaction and in the recorder's own shape
(the record's columns but the audit ones, UUIDs as strings, times in ISO 8601, sub-records
folded in), so the history and the change feed show imported records like any other.
(Records an import updates go through the services, and the recorder as usual.)
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Uuid, inspect

from app.history.recorder import ENTITIES, SKIPPED, current_request_id, current_writer
from app.models import Change
from app.models.base import UTCDateTime
from app.transfer.bulk import BulkWriter

COLUMNS = ("entity", "entity_id", "version", "action", "writer", "request_id", "at", "after")


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
        self._layouts: dict[tuple[type, tuple[str, ...]], list[tuple[str, int, str]]] = {}

    def _layout(self, model: type, columns: Sequence[str]) -> list[tuple[str, int, str]]:
        """For each snapshot field: its name, its position in the inserted row, its form."""
        key = (model, tuple(columns))
        if key not in self._layouts:
            layout = []
            attrs: Any = inspect(model).column_attrs
            for attr in attrs:
                if attr.key in SKIPPED:
                    continue
                column_type = attr.columns[0].type
                form = "plain"
                if isinstance(column_type, Uuid):
                    form = "uuid"
                elif isinstance(column_type, UTCDateTime):
                    form = "time"
                layout.append((attr.key, columns.index(attr.key), form))
            self._layouts[key] = layout
        return self._layouts[key]

    async def created(
        self,
        model: type,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        folded: list[dict[str, Any]] | None = None,
    ) -> None:
        """Record the creation of these rows (in `columns` order); `folded` gives each row's
        sub-records as the recorder folds them in (aliases, author_ids, tags, ...)."""
        if not rows:
            return
        layout = self._layout(model, columns)
        entity = ENTITIES[model]
        changes = []
        for i, row in enumerate(rows):
            after: dict[str, Any] = {}
            for name, at, form in layout:
                value = row[at]
                if value is not None:
                    if form == "uuid":
                        value = dashed(value)
                    elif form == "time":
                        value = value.isoformat()
                after[name] = value
            if folded is not None:
                after.update(folded[i])
            changes.append(
                (
                    entity,
                    row[0],
                    1,
                    "create",
                    self.who,
                    self.request,
                    self.now,
                    orjson.dumps(after).decode(),
                )
            )
        await self.writer.insert(Change.__table__, COLUMNS, changes)  # type: ignore[arg-type]
