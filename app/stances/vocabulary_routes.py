"""The stance vocabulary over HTTP, so clients never hard-code labels, sides or bands."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.stances.schemas import BandOut
from app.vocabulary import STANCE_LABELS, StanceLabel, StanceSide, probability_range

router = APIRouter(prefix="/v1/vocabulary", tags=["vocabulary"])


class StanceLabelOut(BaseModel):
    """One stance label: its side, its probability band and the words that signal it."""

    label: StanceLabel = Field(description="The label.")
    side: StanceSide = Field(description="The side it falls on.")
    rank: int = Field(description="Position from strongest support (0) to strongest dispute.")
    band: BandOut | None = Field(
        description="ICD 203 probability band; null for labels that state no likelihood."
    )
    midpoint: float | None = Field(
        description="The band's midpoint, used when a stance gives no explicit probability."
    )
    accepts: BandOut = Field(
        description="The probabilities a stance with this label may state: its band, or for "
        "a label without one its side's range (support 0.5-1, neutral 0.45-0.55, dispute 0-0.5)."
    )
    words: list[str] = Field(description="Typical words in a source.")
    description: str = Field(description="What the label means.")


@router.get("/stances", operation_id="list_stance_labels", summary="The stance vocabulary")
async def list_stance_labels() -> list[StanceLabelOut]:
    """All stance labels, ordered from strongest support to strongest dispute, with each label's
    side and ICD 203 probability band. The banded labels partition 0-1 with no gaps; a
    probability on a band's edge fits both neighbouring labels."""
    return [
        StanceLabelOut(
            label=info.label,
            side=info.side,
            rank=rank,
            band=BandOut(low=info.band.low, high=info.band.high) if info.band else None,
            midpoint=info.band.midpoint if info.band else None,
            accepts=BandOut(low=accepted.low, high=accepted.high),
            words=list(info.words),
            description=info.description,
        )
        for rank, info in enumerate(STANCE_LABELS.values())
        for accepted in (probability_range(info.label),)
    ]
