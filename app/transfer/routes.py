"""HTTP endpoints for bulk import and export."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.errors import InvalidField, UnsupportedMediaType
from app.formats import FORMATS
from app.http.deps import SessionDep, WriterDep
from app.http.problem_docs import problem_responses
from app.schemas import UTCDatetime
from app.transfer import ndjson, service
from app.transfer.schemas import ExportFormat, ImportFormat, ImportReport
from app.transfer.selection import ExportFilter

router = APIRouter(prefix="/v1", tags=["import and export"])

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/ndjson"})
STIX_TYPE = "application/stix+json"
EXAMPLE = (
    '{"type": "actor", "key": "kremlin", "kind": "government", "name": "Kremlin"}\n'
    '{"type": "source", "key": "tass-1", "kind": "statement", "title": "Peskov on troops", '
    '"url": "https://tass.example/1"}\n'
    '{"type": "claim", "key": "c1", "statement": "North Korean troops are in Ukraine"}\n'
    '{"type": "stance", "key": "s1", "claim": "c1", "actor": "kremlin", "source": "tass-1", '
    '"label": "denied"}\n'
)


def _body_docs() -> dict[str, object]:
    return {
        "requestBody": {
            "required": True,
            "description": "NDJSON, one record a line (see docs/ndjson.md), or a STIX 2.1 bundle.",
            "content": {
                ndjson.MEDIA_TYPE: {"schema": {"type": "string"}, "example": EXAMPLE},
                STIX_TYPE: {"schema": {"type": "object"}},
            },
        }
    }


@router.post(
    "/import",
    operation_id="import_records",
    summary="Import records in bulk",
    responses={
        **problem_responses(422),
        415: {"description": "Neither NDJSON nor a STIX bundle."},
    },
    openapi_extra=_body_docs(),
)
async def import_records(
    request: Request,
    session: SessionDep,
    by: WriterDep,
    dry_run: Annotated[
        bool, Query(description="Check everything and report the counts, but write nothing.")
    ] = False,
    format: Annotated[
        ImportFormat | None,
        Query(description="`stix` for a STIX 2.1 bundle; by default from the Content-Type."),
    ] = None,
) -> ImportReport:
    """Import NDJSON records (`Content-Type: application/x-ndjson`, streamed) or a STIX 2.1
    bundle (`application/stix+json`). Each record is matched by its natural key (actor
    external id or kind and name, source URL, claim statement, ...): a match is updated with
    the fields the line gives, anything else is created, so importing a file twice changes
    nothing the second time. All or nothing: if any line is invalid, nothing is written and
    the 422 lists every invalid line (the first 1000) with its field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if format == "ndjson" and content_type == STIX_TYPE:
        raise InvalidField(
            "format", f"is ndjson, but the body is sent as {STIX_TYPE}", location="query"
        )
    chosen = format or ("stix" if content_type == STIX_TYPE else "ndjson")
    if chosen == "stix":
        lines = service.stix_lines(await request.body())
    elif content_type in NDJSON_TYPES:
        lines = ndjson.lines(request.stream())
    else:
        raise UnsupportedMediaType(
            f"send NDJSON as {ndjson.MEDIA_TYPE} or a STIX bundle as {STIX_TYPE}"
        )
    return await service.import_records(session, lines, by=by, dry_run=dry_run)


@router.get(
    "/export",
    operation_id="export_records",
    summary="Export records",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The records, streamed.",
            "content": {
                ndjson.MEDIA_TYPE: {"schema": {"type": "string"}},
                **{f.media_type: {"schema": {"type": "object"}} for f in FORMATS.values()},
            },
        },
        **problem_responses(404, 422),
    },
)
async def export_records(
    request: Request,
    session: SessionDep,
    format: Annotated[
        ExportFormat,
        Query(description="NDJSON (re-importable), schema.org ClaimReview, PROV-JSON or STIX."),
    ] = ExportFormat.ndjson,
    claim_id: Annotated[
        uuid.UUID | None, Query(description="Only this claim, its stances and what they cite.")
    ] = None,
    actor_id: Annotated[
        uuid.UUID | None, Query(description="Only this actor's stances and what they cite.")
    ] = None,
    since: Annotated[
        UTCDatetime | None, Query(description="Only records changed since (and what they cite).")
    ] = None,
) -> StreamingResponse:
    """Stream every record (or a filtered subset) in dependency order. NDJSON re-imports into
    an empty database to the same answers: `key` and `id` are each record's id, refs are those
    keys. A filtered export holds what its records refer to, so it imports on its own."""
    flt = ExportFilter(claim_id=claim_id, actor_id=actor_id, since=since)
    await service.check_filter(session, flt)
    state = request.app.state
    sessionmaker = getattr(state, "read_sessionmaker", None) or state.sessionmaker
    media_type, body = service.export_stream(sessionmaker, flt, format)
    suffix = ".ndjson" if format == "ndjson" else FORMATS[format].filename_suffix
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="claimgraph{suffix}"'},
    )
