"""What the start page, an actor's page and a source's page show, gathered through the API's
own query and service functions."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.actors import queries as actor_queries
from app.actors import service as actor_service
from app.actors.queries import DisagreerOut
from app.actors.schemas import ActorOut, AffiliationOut
from app.claims import search
from app.claims.listing import ListedClaimFields
from app.db.paging import MAX_LIMIT
from app.explore.passages import Passage, passages
from app.explore.reading import first_page, first_rows
from app.explore.svg import clip
from app.explore.views import SideGroup, by_side, stance_view
from app.history.routes import ChangeOut, recent_changes
from app.sources import service as source_service
from app.sources.schemas import SourceOut
from app.stances.filters import StanceQuery, stance_list
from app.vocabulary import ClaimSort

LISTED = 20  # search results and contested claims on the start page
CHANGES = 15
EPOCH = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Change:
    """One recent change, as a line a person reads."""

    at: str
    action: str
    entity: str
    name: str
    href: str | None


@dataclass(frozen=True, slots=True)
class StartPage:
    q: str | None
    results: list[ListedClaimFields] | None  # the API's ClaimListItem fields
    contested: list[ListedClaimFields]
    changes: list[Change]


def _change(change: ChangeOut) -> Change:
    record = change.after or change.before or {}
    entity = change.entity.replace("_", " ")
    name = str(record.get("statement") or record.get("name") or record.get("title") or "")
    href: str | None = None
    if change.entity in ("claim", "actor", "source") and change.action != "delete":
        href = f"/explore/{change.entity}s/{change.entity_id}"
    elif change.entity == "stance" and record.get("claim_id"):
        href = f"/explore/claims/{record['claim_id']}#stance-{change.entity_id}"
        name = str(record.get("label", "")).replace("_", " ")
        if record.get("quote"):
            name += f": \u201c{clip(str(record['quote']), 90)}\u201d"
    return Change(f"{change.at:%Y-%m-%d %H:%M}", change.action, entity, name, href)


async def start_page(session: AsyncSession, q: str | None) -> StartPage:
    """The search's results (the API's `GET /v1/claims?q=`), the most contested claims, and
    the latest changes."""
    results = None
    if q is not None:
        results, _ = await search.search_claims(session, first_page(LISTED), search.ClaimQuery(q=q))
    contested, _ = await search.search_claims(
        session, first_page(LISTED), search.ClaimQuery(contested=True, sort=ClaimSort.stances)
    )
    changes = [_change(c) for c in await recent_changes(session, CHANGES)]
    return StartPage(q, results, contested, changes)


@dataclass(frozen=True, slots=True)
class Membership:
    affiliation: AffiliationOut
    other: ActorOut  # the organization (or, for a member, the member)


@dataclass(frozen=True, slots=True)
class ActorPage:
    actor: ActorOut
    groups: list[SideGroup]
    truncated: bool
    belongs_to: list[Membership]
    members: list[Membership]
    disagreers: list[DisagreerOut]


async def _memberships(
    session: AsyncSession, actor_id: uuid.UUID, direction: str
) -> list[Membership]:
    found, _ = await actor_service.list_affiliations(
        session, actor_id, first_page(100), direction=direction
    )
    others: dict[uuid.UUID, ActorOut] = {}
    for a in found:
        other = a.organization_id if direction == "outgoing" else a.actor_id
        if other not in others:
            others[other] = await actor_service.get_actor(session, other)
    out = [
        Membership(a, others[a.organization_id if direction == "outgoing" else a.actor_id])
        for a in found
    ]
    return sorted(out, key=_over_time)


def _over_time(m: Membership) -> tuple[bool, datetime, str]:
    """The earliest first, those with no known start before them."""
    start = m.affiliation.valid_from
    return (start is not None, start or EPOCH, m.other.name)


async def actor_page(session: AsyncSession, actor_id: uuid.UUID) -> ActorPage:
    """The actor, its stances by side, its affiliations either way, and whom it disagrees
    with most."""
    actor = await actor_service.get_actor(session, actor_id)
    listed = stance_list(StanceQuery(actor_id=actor_id), first_page(MAX_LIMIT))
    rows, more = await first_rows(session, listed, MAX_LIMIT)
    return ActorPage(
        actor=actor,
        groups=by_side(stance_view(row) for row in rows),
        truncated=more,
        belongs_to=await _memberships(session, actor_id, "outgoing"),
        members=await _memberships(session, actor_id, "incoming"),
        disagreers=await actor_queries.top_disagreers(session, actor_id),
    )


@dataclass(frozen=True, slots=True)
class SourcePage:
    source: SourceOut
    publisher: ActorOut | None
    text: list[Passage] | None  # None when the text is not held
    groups: list[SideGroup]
    truncated: bool


async def source_page(session: AsyncSession, source_id: uuid.UUID) -> SourcePage:
    """The source, its text cut into passages at every quote's edges, and what it records."""
    source = await source_service.get_source(session, source_id)
    text = await source_service.get_source_text(session, source_id)
    listed = stance_list(StanceQuery(source_id=source_id), first_page(MAX_LIMIT))
    rows, more = await first_rows(session, listed, MAX_LIMIT)
    stances = [stance_view(row) for row in rows]
    publisher = (
        await actor_service.get_actor(session, source.publisher_id)
        if source.publisher_id is not None
        else None
    )
    return SourcePage(
        source=source,
        publisher=publisher,
        text=None if text is None else passages(text, stances),
        groups=by_side(stances),
        truncated=more,
    )
