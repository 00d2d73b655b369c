"""Bodies of the import and export endpoints."""

from enum import StrEnum

from pydantic import BaseModel, Field

from app.vocabulary import EntityType


class TypeCounts(BaseModel):
    """What the import did with the records of one type."""

    created: int = Field(0, description="New records written.")
    updated: int = Field(0, description="Records that matched an existing one and changed it.")
    unchanged: int = Field(0, description="Records that matched an existing one already equal.")


class ImportReport(BaseModel):
    """The outcome of an import that was accepted (or, with `dry_run`, would be)."""

    dry_run: bool = Field(description="True when nothing was written (`?dry_run=true`).")
    records: int = Field(description="Records read (non-blank lines).")
    counts: dict[EntityType, TypeCounts] = Field(
        description="Created, updated and unchanged records per type."
    )


class ImportFormat(StrEnum):
    """Formats `POST /v1/import` reads."""

    ndjson = "ndjson"
    stix = "stix"


class ExportFormat(StrEnum):
    """Formats `GET /v1/export` writes."""

    ndjson = "ndjson"
    claimreview = "claimreview"
    prov = "prov"
    stix = "stix"
