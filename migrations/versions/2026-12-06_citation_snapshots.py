"""Citations' creates store no snapshot when the citation as created can be read back.

Citations kept their creates' snapshots (0012) because a source's deletion removes its
citations in the database, with no change of their own to read their last state from. The
deletion now stores those snapshots first (app/sources/service.py), so a citation's create is
read back like any other record's: from the `before` of its next change, or from the record
as it is now. This revision empties the `after` of every citation create for which that
reading gives exactly the stored snapshot, as 0012 did for the other records; the downgrade
writes them back.

Revision ID: 0016_citation_snapshots
Revises: 0015_change_index
Create Date: 2026-12-06
"""

import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016_citation_snapshots"
down_revision: str | None = "0015_change_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS_PER_UPDATE = 5_000
ROWS_PER_READ = 20_000
# A citation's snapshot: its fields in the recorder's order (all UUIDs or text).
FIELDS = ("id", "source_id", "cited_source_id", "kind", "created_by")
UUIDS = frozenset({"id", "source_id", "cited_source_id"})

changes = sa.table(
    "changes",
    sa.column("id", sa.BigInteger()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("after", sa.JSON()),
)
citations = sa.table(
    "citations",
    *(sa.column(name, sa.Uuid() if name in UUIDS else sa.Text()) for name in FIELDS),
)


def _stored(column: Any) -> Any:
    """A snapshot is stored (not SQL NULL, nor the JSON null that earlier versions wrote)."""
    return sa.and_(column.is_not(None), sa.cast(column, sa.Text) != "null")


def _snapshot(row: Sequence[Any], ordered: bool) -> dict[str, Any]:
    """The citation as the recorder snapshots it (keys as jsonb orders them on PostgreSQL)."""
    snapshot = {
        name: str(value) if isinstance(value, uuid.UUID) else value
        for name, value in zip(FIELDS, row, strict=True)
    }
    if ordered:
        return dict(sorted(snapshot.items(), key=lambda item: (len(item[0]), item[0])))
    return snapshot


def _created(bind: sa.Connection, stored: bool) -> Iterator[tuple[int, Any, dict[str, Any]]]:
    """Each citation create with no later change whose `after` is stored (or not) and whose
    citation is still there: its id, stored `after`, and the citation as it is now."""
    c = changes.alias("c")
    later = changes.alias("n")
    stmt = (
        sa.select(c.c.id, c.c.after, *(citations.c[name] for name in FIELDS))
        .join(citations, citations.c.id == c.c.entity_id)
        .where(
            c.c.entity == "citation",
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
    ordered = bind.dialect.name == "postgresql"
    last = 0
    while rows := bind.execute(stmt, {"last": last}).all():
        last = rows[-1][0]
        for row in rows:
            yield row[0], row[1], _snapshot(row[2:], ordered)


def _same_text(bind: sa.Connection, a: str, b: str) -> str:
    """SQL: two stored snapshots read back as the same JSON."""
    if bind.dialect.name == "postgresql":
        return f"{a}::text = {b}::text"
    return f"json({a}) = json({b})"


def upgrade() -> None:
    bind = op.get_bind()
    # Creates followed by a change whose `before` is their `after`.
    bind.execute(
        sa.text(
            f"""
            UPDATE changes SET after = NULL WHERE id IN (
              SELECT w.id FROM (
                SELECT id, lead(id) OVER (PARTITION BY entity_id ORDER BY id) AS next_id
                FROM changes WHERE entity = 'citation'
              ) AS w
              JOIN changes AS c ON c.id = w.id
              JOIN changes AS n ON n.id = w.next_id
              WHERE c.action = 'create' AND c.after IS NOT NULL AND n.before IS NOT NULL
                AND {_same_text(bind, "n.before", "c.after")})
            """
        )
    )
    # Creates of citations not changed since, whose `after` is the citation as it is now.
    same = [
        change_id
        for change_id, after, now in _created(bind, stored=True)
        if json.dumps(now) == json.dumps(after)
    ]
    emptied = (
        sa.update(changes)
        .where(changes.c.id.in_(sa.bindparam("ids", expanding=True)))
        .values(after=sa.null())
    )
    for i in range(0, len(same), ROWS_PER_UPDATE):
        bind.execute(emptied, {"ids": same[i : i + ROWS_PER_UPDATE]})


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
            WHERE entity = 'citation' AND action = 'create'
              AND (after IS NULL OR CAST(after AS TEXT) = 'null') AND EXISTS (
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
    rows = [
        {"change_id": change_id, "snapshot": now}
        for change_id, _, now in _created(bind, stored=False)
    ]
    for i in range(0, len(rows), ROWS_PER_UPDATE):
        bind.execute(filled, rows[i : i + ROWS_PER_UPDATE])
