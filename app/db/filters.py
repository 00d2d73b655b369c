"""Typed filters for the list endpoints.

A list's query parameters are one frozen dataclass. Each field that filters carries its own
SQL condition in its annotation, `Annotated[uuid.UUID | None, Where(...)]`, written with a
bound parameter named like the field: a new filter is one field, its type and its condition
checked together by mypy. The statement depends only on which filters are given (it is
built once per combination, see `app.db.statements.built_once`); their values go in as bound
parameters (`bound`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar, get_type_hints

from sqlalchemy import ColumnElement

W = TypeVar("W")


@dataclass(frozen=True, slots=True)
class Where:
    """A filter's condition, given the name of the bound parameter that holds its value."""

    condition: Callable[[str], ColumnElement[bool]]


@cache
def filters_of(query_type: type, kind: type[W]) -> dict[str, W]:
    """The filters of kind `kind` that `query_type`'s fields carry, by field name, in the
    fields' order."""
    hints = get_type_hints(query_type, include_extras=True)
    return {
        name: meta
        for name, hint in hints.items()
        for meta in getattr(hint, "__metadata__", ())
        if isinstance(meta, kind)
    }


def bound(query: object, names: Iterable[str]) -> dict[str, object]:
    """The values of the filters `names` given in `query` (not None), by name, in order."""
    return {name: value for name in names if (value := getattr(query, name)) is not None}


def conditions(query_type: type, given: Iterable[str]) -> list[ColumnElement[bool]]:
    """The `Where` conditions of the filters `given` (by field name) of `query_type`."""
    wheres = filters_of(query_type, Where)
    return [wheres[name].condition(name) for name in given if name in wheres]
