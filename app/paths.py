"""Path parameters shared by the routes, each described once for the API docs."""

import uuid
from typing import Annotated

from fastapi import Path

ActorIdPath = Annotated[uuid.UUID, Path(description="The actor's id.")]
SourceIdPath = Annotated[uuid.UUID, Path(description="The source's id.")]
ClaimIdPath = Annotated[uuid.UUID, Path(description="The claim's id.")]
StanceIdPath = Annotated[uuid.UUID, Path(description="The stance's id.")]
RecordIdPath = Annotated[uuid.UUID, Path(description="The record's id.")]
