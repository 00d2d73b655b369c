"""Conditions that match a column, or a row of columns, against many keys at once.

On PostgreSQL the keys go as one array parameter per column: `col = ANY($1)`, and
`(a, b) IN (SELECT * FROM unnest($1, $2))` for a row. The statement's text is then the same
whatever the number of keys, so SQLAlchemy compiles it once and asyncpg prepares it once,
where an IN list of 2,000 parameters is a new statement for every count, compiled, parsed and
planned each time, which costs about as much as the lookup itself. A list of rows is worse
still: PostgreSQL plans `(a, b) IN ((...), (...))` as an OR of every row.
SQLite, which has no arrays, takes the IN list.

Many keys go a chunk at a time (`chunks`): SQLite allows a statement some tens of thousands
of parameters, and a chunk's rows are held in memory at once.
"""

import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import ARRAY, ColumnElement, String, any_, bindparam, func, select, tuple_
from sqlalchemy.orm import QueryableAttribute

# A column, or a mapped attribute standing for one.
Column = ColumnElement[object] | QueryableAttribute[object]
T = TypeVar("T")
LOOKUP_CHUNK = 2000  # keys a lookup statement takes at most


def chunks(items: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    """`items`, `size` at a time, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def uuid_order(ids: Sequence[object]) -> tuple[int, ...]:
    """A sort key for a row of UUIDs: their integers, whose comparisons run in C where the
    UUIDs' own are Python code, and slow, over thousands of keys."""
    return tuple(cast(uuid.UUID, i).int for i in ids)


def _array(column: Column, values: Sequence[object]) -> Any:
    # Strings go as plain `varchar[]`: a cast to the column's `varchar(n)` would cut a longer
    # key to n characters, which could then match another row.
    element = String() if isinstance(column.type, String) else column.type
    return bindparam(None, list(values), type_=ARRAY(element))


def among(dialect: str, column: Column, values: Sequence[object]) -> ColumnElement[bool]:
    """`column` is one of `values`."""
    condition: ColumnElement[bool] = (
        column == any_(_array(column, values)) if dialect == "postgresql" else column.in_(values)
    )
    return condition


def rows_among(
    dialect: str, columns: Sequence[Column], rows: Sequence[Sequence[object]]
) -> ColumnElement[bool]:
    """The row of `columns` is one of `rows` (tuples in the columns' order)."""
    if dialect == "postgresql":
        names = [f"k{i}" for i in range(len(columns))]
        keys = (
            func.unnest(
                *(_array(column, [row[i] for row in rows]) for i, column in enumerate(columns))
            )
            .table_valued(*names)
            .render_derived(name="keys")
        )
        return tuple_(*columns).in_(select(*(keys.c[name] for name in names)))
    return tuple_(*columns).in_(rows)
