"""Creates store no snapshot when the record as created can be read back.

Nearly every change is a create (an import writes one per record), and each kept the whole
record, about 1 KB. The history now reads a create's `after` back (app/history/rebuild.py):
it is the `before` of the record's next change, or the record as it is now if it has none.
This revision empties the `after` of every create for which that reading gives exactly the
stored snapshot (the same JSON: keys in the same order on SQLite, values of the same types),
and leaves the others as they are; links that their owner's deletion removes without a
change of their own (affiliations, citations, claim relations) keep theirs. The downgrade
writes the snapshots back.

The snapshot is this revision's own copy of the recorder's, so that later changes to the
app's code do not change what this revision writes.

Revision ID: 0012_lean_history
Revises: 0011_origins
Create Date: 2026-12-06
"""

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012_lean_history"
down_revision: str | None = "0011_origins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS_PER_UPDATE = 5_000
ROWS_PER_READ = 20_000
KEPT = ("affiliation", "citation", "claim_relation")

# Each entity whose creates may drop their snapshot: its table, its snapshot's column fields
# in the recorder's order with their types, and its sub-record fields after them.
UUID, TEXT, TIME, FLOAT, INT = (
    sa.Uuid(),
    sa.Text(),
    sa.DateTime(timezone=True),
    sa.Float(),
    sa.Integer(),
)
ENTITIES: dict[str, tuple[str, list[tuple[str, Any]], list[str]]] = {
    "actor": (
        "actors",
        [
            ("id", UUID),
            ("kind", TEXT),
            ("name", TEXT),
            ("name_folded", TEXT),
            ("country", TEXT),
            ("description", TEXT),
            ("reliability", TEXT),
            ("created_by", TEXT),
        ],
        ["aliases", "external_ids"],
    ),
    "claim": (
        "claims",
        [
            ("id", UUID),
            ("statement", TEXT),
            ("statement_key", TEXT),
            ("occurred_from", TIME),
            ("occurred_to", TIME),
            ("created_by", TEXT),
        ],
        ["tags", "about_actor_ids"],
    ),
    "source": (
        "sources",
        [
            ("id", UUID),
            ("kind", TEXT),
            ("title", TEXT),
            ("url", TEXT),
            ("publisher_id", UUID),
            ("published_at", TIME),
            ("retrieved_at", TIME),
            ("language", TEXT),
            ("content_hash", TEXT),
            ("created_by", TEXT),
        ],
        ["author_ids"],
    ),
    "stance": (
        "stances",
        [
            ("id", UUID),
            ("claim_id", UUID),
            ("actor_id", UUID),
            ("source_id", UUID),
            ("label", TEXT),
            ("side", TEXT),
            ("probability", FLOAT),
            ("confidence", TEXT),
            ("quote", TEXT),
            ("quote_start", INT),
            ("quote_end", INT),
            ("quote_prefix", TEXT),
            ("quote_suffix", TEXT),
            ("stated_at", TIME),
            ("recorded_by", TEXT),
            ("retracted_at", TIME),
            ("retraction_source_id", UUID),
        ],
        [],
    ),
}
# Sub-record fields: table, owner column, value columns, order (as the models load them).
SUBRECORDS: dict[str, tuple[str, str, list[tuple[str, Any]], str | None]] = {
    "aliases": ("actor_aliases", "actor_id", [("alias", TEXT)], "position"),
    "external_ids": ("actor_external_ids", "actor_id", [("scheme", TEXT), ("value", TEXT)], None),
    "tags": ("claim_tags", "claim_id", [("tag", TEXT)], "tag"),
    "about_actor_ids": ("claim_subjects", "claim_id", [("actor_id", UUID)], "position"),
    "author_ids": ("source_authors", "source_id", [("actor_id", UUID)], "position"),
}

changes = sa.table(
    "changes",
    sa.column("id", sa.BigInteger()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
)


def _plain(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat()
    return value


def _jsonb_order(snapshot: dict[str, Any]) -> dict[str, Any]:
    items = sorted(snapshot.items(), key=lambda item: (len(item[0].encode()), item[0].encode()))
    return {k: _jsonb_order(v) if isinstance(v, dict) else v for k, v in items}


def _subrecords(bind: sa.Connection, field: str) -> dict[uuid.UUID, Any]:
    """Each owner's sub-records of this field, as the recorder folds them in; an owner of
    external ids in no defined order (more than one) maps to None."""
    name, owner, values, order = SUBRECORDS[field]
    table = sa.table(name, sa.column(owner, UUID), *(sa.column(c, t) for c, t in values))
    stmt = sa.select(table.c[owner], *(table.c[c] for c, _ in values))
    if order is not None:
        stmt = stmt.order_by(table.c[owner], sa.text(order))
    found: dict[uuid.UUID, Any] = defaultdict(list)
    for row in bind.execute(stmt):
        if field == "external_ids":
            found[row[0]].append((row[1], row[2]))
        else:
            found[row[0]].append(_plain(row[1]))
    if field == "external_ids":
        return {k: dict(v) if len(v) == 1 else None for k, v in found.items()}
    return found


def _created(
    bind: sa.Connection, entity: str, stored: bool
) -> Iterator[tuple[int, Any, dict[str, Any] | None]]:
    """Each create of the entity with no later change whose `after` is stored (or not): its
    id, stored `after`, and the record as it is now (None if it cannot be read back)."""
    name, columns, folded = ENTITIES[entity]
    record = sa.table(name, *(sa.column(c, t) for c, t in columns)).alias("r")
    later = changes.alias("n")
    c = changes.alias("c")
    stmt = (
        sa.select(c.c.id, c.c.after, *(record.c[col] for col, _ in columns))
        .join(record, record.c.id == c.c.entity_id)
        .where(
            c.c.entity == entity,
            c.c.action == "create",
            _stored(c.c.after) if stored else ~_stored(c.c.after),
            ~sa.exists().where(
                later.c.entity == c.c.entity,
                later.c.entity_id == c.c.entity_id,
                later.c.id > c.c.id,
            ),
            c.c.id > sa.bindparam("last"),
        )
        .order_by(c.c.id)
        .limit(ROWS_PER_READ)
    )
    subs = {field: _subrecords(bind, field) for field in folded}
    ordered = bind.dialect.name == "postgresql"
    last = 0
    while rows := bind.execute(stmt, {"last": last}).all():
        last = rows[-1][0]
        for row in rows:
            snapshot: dict[str, Any] | None = {
                col: _plain(value) for (col, _), value in zip(columns, row[2:], strict=True)
            }
            assert snapshot is not None
            owner = row[2]
            for field in folded:
                value = subs[field].get(owner, {} if field == "external_ids" else [])
                if value is None:
                    snapshot = None
                    break
                snapshot[field] = value
            if snapshot is not None and ordered:
                snapshot = _jsonb_order(snapshot)
            yield row[0], row[1], snapshot


def _stored(column: Any) -> Any:
    """A snapshot is stored (not SQL NULL, nor the JSON null that earlier versions wrote)."""
    return sa.and_(column.is_not(None), sa.cast(column, sa.Text) != "null")


def _same_text(bind: sa.Connection, a: str, b: str) -> str:
    """SQL: two stored snapshots read back as the same JSON."""
    if bind.dialect.name == "postgresql":
        return f"{a}::text = {b}::text"
    return f"json({a}) = json({b})"


def _kept() -> str:
    return ", ".join(f"'{e}'" for e in KEPT)


def _in_batches(bind: sa.Connection, stmt: sa.Update, ids: list[int]) -> None:
    for i in range(0, len(ids), ROWS_PER_UPDATE):
        bind.execute(stmt, {"ids": ids[i : i + ROWS_PER_UPDATE]})


def upgrade() -> None:
    bind = op.get_bind()
    # Creates followed by a change whose `before` is their `after`.
    bind.execute(
        sa.text(
            f"""
            UPDATE changes SET after = NULL WHERE id IN (
              SELECT w.id FROM (
                SELECT id, lead(id) OVER (PARTITION BY entity, entity_id ORDER BY id) AS next_id
                FROM changes WHERE entity NOT IN ({_kept()})
              ) AS w
              JOIN changes AS c ON c.id = w.id
              JOIN changes AS n ON n.id = w.next_id
              WHERE c.action = 'create' AND c.after IS NOT NULL AND n.before IS NOT NULL
                AND {_same_text(bind, "n.before", "c.after")})
            """
        )
    )
    # Creates of records not changed since, whose `after` is the record as it is now.
    emptied = sa.update(changes).where(changes.c.id.in_(sa.bindparam("ids", expanding=True)))
    for entity in ENTITIES:
        same = [
            change_id
            for change_id, after, now in _created(bind, entity, stored=True)
            if now is not None and json.dumps(now) == json.dumps(after)
        ]
        _in_batches(bind, emptied.values(after=sa.null()), same)


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            """
            UPDATE changes SET after = (
              SELECT n.before FROM changes AS n
              WHERE n.entity = changes.entity AND n.entity_id = changes.entity_id
                AND n.id > changes.id
              ORDER BY n.id LIMIT 1)
            WHERE action = 'create' AND (after IS NULL OR CAST(after AS TEXT) = 'null') AND EXISTS (
              SELECT 1 FROM changes AS n
              WHERE n.entity = changes.entity AND n.entity_id = changes.entity_id
                AND n.id > changes.id)
            """
        )
    )
    filled = (
        sa.update(changes)
        .where(changes.c.id == sa.bindparam("change_id"))
        .values(after=sa.bindparam("snapshot", type_=sa.JSON()))
    )
    for entity in ENTITIES:
        rows = [
            {"change_id": change_id, "snapshot": now}
            for change_id, _, now in _created(bind, entity, stored=False)
            if now is not None
        ]
        for i in range(0, len(rows), ROWS_PER_UPDATE):
            bind.execute(filled, rows[i : i + ROWS_PER_UPDATE])
