"""Domain exceptions, and the RFC 9457 problem details they become (rendered once, by
`app.http.problems`)."""

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """One invalid input, named by where it was found."""

    field: str = Field(description="Dotted path of the offending input, e.g. `probability`.")
    location: str = Field(description="Where the input was: `body`, `query`, `path` or `header`.")
    message: str = Field(description="What is wrong with it.")
    type: str = Field(description="A stable code for the kind of error.")
    line: int | None = Field(
        default=None, description="For a bulk import: the line of the input (from 1)."
    )


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI reference naming the kind of problem; stable per error.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong in this case.")
    instance: str | None = Field(default=None, description="The request path that failed.")
    errors: list[FieldError] | None = Field(
        default=None, description="For invalid input: every offending field."
    )


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    instance: str | None = None,
    **extra: object,
) -> Problem:
    """The problem details of one error; `slug` names its kind (`/problems/{slug}`)."""
    return Problem(
        type=problem_type(slug),
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        **extra,
    )


class DomainError(Exception):
    """Base of every error a service raises on purpose; rendered as problem+json."""

    status: int = 400
    type: str = "bad-request"
    title: str = "Bad request"
    headers: dict[str, str] | None = None

    def __init_subclass__(
        cls, *, status: int | None = None, type: str | None = None, title: str | None = None
    ) -> None:
        """A kind of error names what it renders as in its class line: its HTTP status, its
        problem type's slug and its title (each inherited when not given)."""
        super().__init_subclass__()
        if status is not None:
            cls.status = status
        if type is not None:
            cls.type = type
        if title is not None:
            cls.title = title

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError, status=404, type="not-found", title="Not found"):
    """A record the request names does not exist."""

    def __init__(self, entity: str, ident: object) -> None:
        super().__init__(f"no {entity} with id {ident}")
        self.type = f"unknown-{entity.replace(' ', '-')}"
        self.title = f"Unknown {entity}"


class InvalidField(DomainError, status=422, type="invalid-field", title="Invalid field"):
    """Input that parses but is wrong given the data: the field is named."""

    def __init__(
        self, field: str, message: str, *, type: str | None = None, location: str = "body"
    ) -> None:
        super().__init__(f"{field}: {message}")
        if type is not None:
            self.type = type
        self.errors = [FieldError(field=field, location=location, message=message, type=self.type)]


class UnknownReference(InvalidField):
    """A body field names an id that does not exist."""

    def __init__(self, field: str, entity: str, ident: object) -> None:
        super().__init__(field, f"no {entity} with id {ident}", type="unknown-reference")


class Conflict(DomainError, status=409, type="conflict", title="Conflict"):
    """A write the stored records refuse."""


class Duplicate(Conflict, type="duplicate", title="Already exists"):
    """A record that would repeat a stored one."""


class StillReferenced(Conflict, type="still-referenced", title="Still referenced"):
    """A deletion refused while other records name the record."""


class UnsupportedMediaType(
    DomainError, status=415, type="unsupported-media-type", title="Unsupported media type"
):
    """A body in a format the operation does not read."""
