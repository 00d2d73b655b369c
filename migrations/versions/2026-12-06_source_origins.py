"""Each source's origins kept in a table: the sources its citation chains end in.

A claim's provenance read them by walking the citation graph from the claim's sources on
every request; app/sources/origins.py now keeps them as citations change, and this revision
fills the table from the citations already recorded. Only sources that cite something have
rows (one that cites nothing is its own origin). A source in a loop of citations that no
citation leaves has the loop as its origin, named by the least id in it.

The computation is this revision's own copy, so that later changes to the app's code do not
change what this revision writes.

Revision ID: 0011_origins
Revises: 0010_similarity
Create Date: 2026-12-06
"""

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_origins"
down_revision: str | None = "0010_similarity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS_PER_INSERT = 10_000


def _origins(cites: dict[uuid.UUID, list[uuid.UUID]]) -> dict[uuid.UUID, frozenset[uuid.UUID]]:
    """Every citing source's origins: Tarjan's components, each after those it leads to."""
    index: dict[uuid.UUID, int] = {}
    low: dict[uuid.UUID, int] = {}
    stack: list[uuid.UUID] = []
    on_stack: set[uuid.UUID] = set()
    found: dict[uuid.UUID, frozenset[uuid.UUID]] = {}

    def enter(node: uuid.UUID) -> Iterator[uuid.UUID]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return iter(cites[node])

    for root in cites:
        if root in index:
            continue
        work = [(root, enter(root))]
        while work:
            node, ahead = work[-1]
            for cited in ahead:
                if cited not in cites:
                    continue
                if cited not in index:
                    work.append((cited, enter(cited)))
                    break
                if cited in on_stack:
                    low[node] = min(low[node], index[cited])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] != index[node]:
                    continue
                members = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.add(member)
                    if member == node:
                        break
                parts = {}
                for m in members:
                    for c in cites[m]:
                        if c not in members:
                            part = found[c] if c in cites else frozenset((c,))
                            parts[id(part)] = part
                if not parts:
                    origins = frozenset((min(members),))
                elif len(parts) == 1:
                    origins = next(iter(parts.values()))
                else:
                    origins = frozenset().union(*parts.values())
                for member in members:
                    found[member] = origins
    return found


def upgrade() -> None:
    table = op.create_table(
        "source_origins",
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_origins_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "origin_id", name=op.f("pk_source_origins")),
    )
    bind = op.get_bind()
    cites: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for citing, cited in bind.execute(sa.text("SELECT source_id, cited_source_id FROM citations")):
        # SQLite hands the ids back as text.
        citing = citing if isinstance(citing, uuid.UUID) else uuid.UUID(citing)
        cited = cited if isinstance(cited, uuid.UUID) else uuid.UUID(cited)
        cites[citing].append(cited)
    rows = [
        {"source_id": source, "origin_id": origin}
        for source, origins in _origins(cites).items()
        for origin in origins
    ]
    for i in range(0, len(rows), ROWS_PER_INSERT):
        op.bulk_insert(table, rows[i : i + ROWS_PER_INSERT])
    if bind.dialect.name == "postgresql":
        # Statistics now, not at autovacuum's next turn: without them the planner reads the
        # whole table for a claim's few hundred sources instead of looking them up.
        op.execute("ANALYZE source_origins")


def downgrade() -> None:
    op.drop_table("source_origins")
