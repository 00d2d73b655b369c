"""Citations: a source (the owner) cites, quotes, republishes or translates another, so that
a story can be followed back to its primary source."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.links.kind import End, LinkDocs, LinkKind
from app.models import Citation, Source
from app.sources.origins import refresh_origins
from app.sources.schemas import CitationCreate, CitationOut, CitationUpdate
from app.vocabulary import CitationKind


async def _refresh_origins_of(session: AsyncSession, source_id: uuid.UUID) -> None:
    await refresh_origins(session, [source_id])


CITATIONS = LinkKind(
    entity="citation",
    model=Citation,
    owner=End(model=Source, entity="source", column=Citation.source_id),
    other=End(model=Source, entity="source", column=Citation.cited_source_id),
    distinct_by=(Citation.kind,),
    kinds=CitationKind,
    self_link="a source cannot cite itself",
    create_schema=CitationCreate,
    update_schema=CitationUpdate,
    out_schema=CitationOut,
    segment="citations",
    link_param="citation_id",
    follow=_refresh_origins_of,
    docs=LinkDocs(
        create_summary="Record that a source cites another",
        create="Record that this source cites, quotes, republishes or translates another: the "
        "chain from a story back to its primary source.",
        update="Change how the citing source derives from the cited one.",
        outgoing="sources this one cites",
        incoming="sources citing it",
    ),
)
