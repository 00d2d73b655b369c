"""Standard formats for exports: schema.org ClaimReview, W3C PROV-JSON and STIX 2.1.

Each format renders records in the NDJSON export shape, in dependency order, as the chunks of
one JSON document. Pure functions: no database and no HTTP here.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.formats import claimreview, prov, stix
from app.formats.stix import stix_to_records


@dataclass(frozen=True, slots=True)
class Format:
    """How to serve one standard format: its media type, file name suffix and renderer."""

    media_type: str
    filename_suffix: str
    render: Callable[[Iterable[dict[str, Any]]], Iterator[bytes]]


FORMATS: dict[str, Format] = {
    "claimreview": Format(claimreview.MEDIA_TYPE, ".claimreview.jsonld", claimreview.render),
    "prov": Format(prov.MEDIA_TYPE, ".prov.json", prov.render),
    "stix": Format(stix.MEDIA_TYPE, ".stix.json", stix.render),
}

__all__ = ["FORMATS", "Format", "stix_to_records"]
