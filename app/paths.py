"""Path parameters shared by the routes, and query parameters that more than one route takes
alike, each described once for the API docs."""

import uuid
from typing import Annotated

from fastapi import Path, Query

from app.schemas import UTCDatetime
from app.vocabulary import StanceLabel

ActorIdPath = Annotated[uuid.UUID, Path(description="The actor's id.")]
SourceIdPath = Annotated[uuid.UUID, Path(description="The source's id.")]
ClaimIdPath = Annotated[uuid.UUID, Path(description="The claim's id.")]
StanceIdPath = Annotated[uuid.UUID, Path(description="The stance's id.")]
RecordIdPath = Annotated[uuid.UUID, Path(description="The record's id.")]

# Filters of the stances listed about one record.
LabelFilter = Annotated[StanceLabel | None, Query(description="Only this label.")]
ActorFilter = Annotated[uuid.UUID | None, Query(description="Only this actor's stances.")]
AsOf = Annotated[
    UTCDatetime | None,
    Query(
        description="Answer as the record stood at this time: stances said later are left "
        "out and retractions made later are ignored."
    ),
]
