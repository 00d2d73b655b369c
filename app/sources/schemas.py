"""Request and response bodies for sources and citations."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.schemas import Audit, InputSchema, OutputSchema, Settable, UTCDatetime
from app.vocabulary import CitationKind, SourceKind

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Language = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length=35
    ),
    Field(description="BCP 47 language tag, e.g. `en` or `ko-KR`.", examples=["en"]),
]
Sha256 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$"),
    Field(description="SHA-256 of the document's content, hex."),
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2048),
    Field(
        description="http(s) URL; stored normalized (lower-case host, no fragment or tracking "
        "parameters) and unique.",
        examples=["https://example.org/news/1"],
    ),
]
Text = Annotated[
    str,
    # Kept verbatim (InputSchema strips other strings): the hash and quote spans depend on it.
    StringConstraints(strip_whitespace=False),
    Field(
        max_length=2_000_000,
        description="The document's full text. When present, every "
        "stance quoting this source must quote it verbatim.",
    ),
]
AuthorIds = Annotated[
    list[uuid.UUID], Field(max_length=100, description="Actors who wrote the document, in order.")
]
PublisherId = Annotated[uuid.UUID | None, Field(description="The publishing actor.")]
PublishedAt = Annotated[UTCDatetime | None, Field(description="When the document was published.")]
RetrievedAt = Annotated[UTCDatetime | None, Field(description="When the document was retrieved.")]


class _SourceBody(InputSchema):
    """The fields of a source's bodies, each optional as in a change; a new source requires
    some (they keep their places in the docs)."""

    kind: Settable[SourceKind] = Field(default=None, description="What sort of document.")
    title: Settable[Title] = Field(default=None, description="The document's title.")
    url: Url | None = None
    publisher_id: PublisherId = None
    author_ids: AuthorIds | None = None
    published_at: PublishedAt = None
    retrieved_at: RetrievedAt = None
    language: Language | None = None
    content_hash: Sha256 | None = None
    text: Text | None = None


class SourceCreate(_SourceBody):
    """A new source: a document in which positions are recorded."""

    kind: SourceKind = Field(description="What sort of document.")
    title: Title = Field(description="The document's title or headline.")
    author_ids: AuthorIds = []


class SourceUpdate(_SourceBody):
    """Fields to change; omitted fields keep their values."""


class SourceOut(Audit):
    """A document in which positions are recorded."""

    id: uuid.UUID = Field(description="The source's id.")
    kind: SourceKind = Field(description="What sort of document.")
    title: str = Field(description="Title or headline.")
    url: str | None = Field(description="Normalized URL.")
    publisher_id: uuid.UUID | None = Field(description="The publishing actor.")
    author_ids: list[uuid.UUID] = Field(description="The authors, in order.")
    published_at: datetime | None = Field(description="When the document was published.")
    retrieved_at: datetime | None = Field(description="When the document was retrieved.")
    language: str | None = Field(description="BCP 47 language tag.")
    content_hash: str | None = Field(description="SHA-256 of the content, hex.")
    has_text: bool = Field(description="Whether the full text is held (see `/text`).")


class CitationCreate(InputSchema):
    """The path's source cites, quotes, republishes or translates `cited_source_id`."""

    cited_source_id: uuid.UUID = Field(description="The source being cited.")
    kind: CitationKind = Field(default=CitationKind.cites, description="How it derives.")


class CitationUpdate(InputSchema):
    """The new kind of derivation."""

    kind: CitationKind = Field(description="How the citing source derives from the cited.")


class CitationOut(Audit, OutputSchema):
    """A link from a source to one it derives from."""

    id: uuid.UUID = Field(description="The citation's id.")
    source_id: uuid.UUID = Field(description="The citing source.")
    cited_source_id: uuid.UUID = Field(description="The cited source.")
    kind: CitationKind = Field(description="How the citing source derives from the cited.")
