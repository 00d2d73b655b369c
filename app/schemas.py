"""Schema building blocks shared by every resource: bases, common types, the page envelope."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic.config import JsonDict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core.core_schema import CoreSchema

V = TypeVar("V")


def _no_nul(value: V) -> V:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    return value


class InputSchema(BaseModel):
    """Request bodies: unknown fields are rejected, so a typo never passes silently; text
    with NUL characters is refused (no database stores it faithfully)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _nul_free = field_validator("*", mode="after")(_no_nul)


def _refuse_null(value: V) -> V:
    if value is None:
        raise ValueError("may be omitted but not null")
    return value


class _NullHidden:
    """Shows a nullable field's schema without null: null is how the model says "left out",
    never a value a client may send."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        shown = handler(schema)
        options = shown.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            (value,) = [option for option in options if option != {"type": "null"}]
            shown = {**{k: v for k, v in shown.items() if k != "anyOf"}, **value}
        return shown


T = TypeVar("T")
# A PATCH field that may be left out (None: keep the value) but not set to null: the schema
# shows it without null, and an explicit null is a 422 naming the field. `T | None` (not a
# union with a hidden None) so that a wrong value is one error at the field itself.
Settable = Annotated[T | None, BeforeValidator(_refuse_null), _NullHidden()]


class OutputSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def from_row(cls, row: object, **derived: object) -> Self:
        """The schema filled from the row's attributes of the same names, but for the fields
        given in `derived` (those the row holds otherwise: names of child rows, flags)."""
        return cls.model_validate(
            {
                name: derived[name] if name in derived else getattr(row, name)
                for name in cls.model_fields
            }
        )


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+00:01 falls before year 1 in UTC
        raise ValueError("is out of range once converted to UTC") from None


def _iso_only(value: V) -> V:
    # Pydantic would read a number (or a numeric string) as seconds since 1970; the API takes
    # ISO 8601 only, as its schema says.
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
    ):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2024-10-18T09:30:00Z")
    return value


# ISO 8601; a value without a zone is taken as UTC (said once, in the API's description). No
# description here: each field says what its date means.
UTCDatetime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_as_utc)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
    ),
]
CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 country code, e.g. `KR`.", examples=["KR"]),
]


class Audit(OutputSchema):
    """Bookkeeping every top-level record carries."""

    created_at: datetime = Field(description="When the record was created.")
    updated_at: datetime = Field(description="When the record last changed.")
    version: int = Field(description="Incremented on every change.")


def _describe_page(schema: JsonDict) -> None:
    # A parametrized Page[X] is a new class without a docstring; give each one the same words.
    schema.setdefault("description", Page.__doc__)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page."""

    model_config = ConfigDict(json_schema_extra=_describe_page)

    items: list[T] = Field(description="The records on this page.")
    next_cursor: str | None = Field(
        description="Opaque cursor for the next page; null on the last page."
    )


Id = Annotated[uuid.UUID, Field(description="A record id (UUID).")]
