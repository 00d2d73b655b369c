"""Read-side questions about claims: the summary of where the record stands."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.claims.schemas import ClaimSummary, SideSummary
from app.models import Stance
from app.vocabulary import StanceLabel, StanceSide


async def claim_summary(session: AsyncSession, claim_id: uuid.UUID) -> ClaimSummary:
    """Counts by side and label, distinct actors per side, contested, first and latest dates."""
    current = Stance.retracted_at.is_(None)
    by_label_rows = (
        await session.execute(
            select(
                Stance.side,
                Stance.label,
                func.count(),
                func.min(Stance.stated_at),
                func.max(Stance.stated_at),
            )
            .where(Stance.claim_id == claim_id, current)
            .group_by(Stance.side, Stance.label)
        )
    ).all()
    actors_rows = (
        await session.execute(
            select(Stance.side, func.count(func.distinct(Stance.actor_id)))
            .where(Stance.claim_id == claim_id, current)
            .group_by(Stance.side)
        )
    ).all()
    retracted = await session.scalar(
        select(func.count()).where(Stance.claim_id == claim_id, Stance.retracted_at.is_not(None))
    )
    by_label: dict[StanceLabel, int] = {}
    stance_counts = dict.fromkeys(StanceSide, 0)
    firsts: list[datetime] = []
    lasts: list[datetime] = []
    for side, label, n, first, last in by_label_rows:
        by_label[StanceLabel(label)] = n
        stance_counts[StanceSide(side)] += n
        if first is not None and last is not None:
            firsts.append(first)
            lasts.append(last)
    actor_counts = {StanceSide(side): n for side, n in actors_rows}
    by_side = {
        side: SideSummary(stances=stance_counts[side], actors=actor_counts.get(side, 0))
        for side in StanceSide
    }
    return ClaimSummary(
        total=sum(stance_counts.values()),
        by_side=by_side,
        by_label={label: by_label[label] for label in StanceLabel if label in by_label},
        contested=stance_counts[StanceSide.support] > 0 and stance_counts[StanceSide.dispute] > 0,
        first_stated_at=min(firsts) if firsts else None,
        latest_stated_at=max(lasts) if lasts else None,
        retracted=int(retracted or 0),
    )
