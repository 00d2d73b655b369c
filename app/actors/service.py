"""Actors and affiliations: create, read, list, update, delete."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.actors.schemas import (
    ActorCreate,
    ActorOut,
    ActorUpdate,
    AffiliationCreate,
    AffiliationOut,
    AffiliationUpdate,
)
from app.errors import Duplicate, InvalidField
from app.http.pagination import PageParams, keyset, split_page
from app.models import (
    Actor,
    ActorAlias,
    ActorExternalId,
    Affiliation,
    ClaimSubject,
    Source,
    SourceAuthor,
    Stance,
)
from app.records import (
    bump_version,
    changed_fields,
    load,
    load_owned,
    refuse_if_referenced,
    require_ids,
)

WITH_NAMES = (selectinload(Actor.aliases), selectinload(Actor.external_ids))


def fold(text: str) -> str:
    """The case-insensitive key used for name and alias search."""
    return " ".join(text.casefold().split())


def _prefix_key(prefix: str) -> str:
    key = fold(prefix)
    if key and prefix[-1].isspace():
        key += " "  # "Kim " asks for the word Kim, not for "Kimberly"
    return key


def starts_with(column: Any, prefix: str) -> Any:
    """`column` starts with `prefix`, as a range an ordinary index answers (the folded columns
    compare bytewise on both databases; LIKE would not use the index on either)."""
    last = ord(prefix[-1])
    if last == 0x10FFFF:  # no character sorts after it: the range is open-ended
        return column >= prefix
    return and_(column >= prefix, column < prefix[:-1] + chr(last + 1))


def has_word_starting(column: Any, key: str) -> Any:
    """`column` (folded) has a word starting with `key`: "ortega" finds "daniel ortega". A
    scan of the folded names; actors are few beside stances (one in fifty)."""
    return or_(column.startswith(key, autoescape=True), column.contains(" " + key, autoescape=True))


def to_out(actor: Actor) -> ActorOut:
    return ActorOut(
        id=actor.id,
        kind=actor.kind,
        name=actor.name,
        aliases=[a.alias for a in actor.aliases],
        country=actor.country,
        description=actor.description,
        external_ids={e.scheme: e.value for e in actor.external_ids},
        reliability=actor.reliability,
        created_at=actor.created_at,
        updated_at=actor.updated_at,
        version=actor.version,
    )


async def _check_unique(
    session: AsyncSession,
    *,
    kind: str,
    name: str,
    external_ids: dict[str, str],
    exclude: uuid.UUID | None = None,
) -> None:
    stmt = select(Actor.id).where(Actor.kind == kind, Actor.name == name)
    if exclude is not None:
        stmt = stmt.where(Actor.id != exclude)
    existing = await session.scalar(stmt)
    if existing is not None:
        raise Duplicate(f"an actor of kind {kind!r} named {name!r} exists", existing_id=existing)
    if external_ids:
        pairs = [
            (ActorExternalId.scheme == s) & (ActorExternalId.value == v)
            for s, v in external_ids.items()
        ]
        stmt2 = select(ActorExternalId).where(or_(*pairs))
        if exclude is not None:
            stmt2 = stmt2.where(ActorExternalId.actor_id != exclude)
        taken = (await session.scalars(stmt2)).first()
        if taken is not None:
            raise Duplicate(
                f"external id {taken.scheme}={taken.value} belongs to actor {taken.actor_id}",
                existing_id=taken.actor_id,
            )


def _set_aliases(actor: Actor, aliases: list[str]) -> None:
    actor.aliases = [
        ActorAlias(alias=a, alias_folded=fold(a), position=i) for i, a in enumerate(aliases)
    ]


def _set_external_ids(actor: Actor, external_ids: dict[str, str]) -> None:
    actor.external_ids = [ActorExternalId(scheme=s, value=v) for s, v in external_ids.items()]


async def create_actor(session: AsyncSession, data: ActorCreate, *, by: str | None) -> ActorOut:
    """The new actor."""
    await _check_unique(session, kind=data.kind, name=data.name, external_ids=data.external_ids)
    actor = Actor(
        kind=data.kind,
        name=data.name,
        name_folded=fold(data.name),
        country=data.country,
        description=data.description,
        reliability=data.reliability,
        created_by=by,
        aliases=[],
        external_ids=[],
    )
    _set_aliases(actor, data.aliases)
    _set_external_ids(actor, data.external_ids)
    session.add(actor)
    await session.flush()
    return to_out(actor)


async def get_actor(session: AsyncSession, actor_id: uuid.UUID) -> ActorOut:
    """The actor, or a 404."""
    return to_out(await load(session, Actor, actor_id, "actor", *WITH_NAMES))


async def list_actors(
    session: AsyncSession,
    page: PageParams,
    *,
    kind: str | None = None,
    country: str | None = None,
    name_prefix: str | None = None,
    q: str | None = None,
) -> tuple[list[ActorOut], str | None]:
    """One page of actors in creation order, filtered; and the next cursor."""
    stmt = select(Actor).options(*WITH_NAMES)
    if q and (key := _prefix_key(q)):
        stmt = stmt.where(
            or_(
                has_word_starting(Actor.name_folded, key),
                Actor.id.in_(
                    select(ActorAlias.actor_id).where(
                        has_word_starting(ActorAlias.alias_folded, key)
                    )
                ),
            )
        )
    if kind is not None:
        stmt = stmt.where(Actor.kind == kind)
    if country is not None:
        stmt = stmt.where(Actor.country == country.upper())
    if name_prefix and (key := _prefix_key(name_prefix)):
        stmt = stmt.where(starts_with(Actor.name_folded, key))
    rows, cursor = split_page(
        list((await session.scalars(keyset(stmt, Actor.id, page))).all()), page
    )
    return [to_out(a) for a in rows], cursor


async def update_actor(
    session: AsyncSession, actor_id: uuid.UUID, data: ActorUpdate, *, by: str | None
) -> ActorOut:
    """The actor after the change."""
    actor = await load(session, Actor, actor_id, "actor", *WITH_NAMES, for_update=True)
    changes = changed_fields(data)
    await _check_unique(
        session,
        kind=changes.get("kind", actor.kind),
        name=changes.get("name", actor.name),
        external_ids=changes.get("external_ids") or {},
        exclude=actor.id,
    )
    for field in ("kind", "name", "country", "description", "reliability"):
        if field in changes:
            setattr(actor, field, changes[field])
    if "name" in changes:
        actor.name_folded = fold(actor.name)
    if "aliases" in changes:
        _set_aliases(actor, changes["aliases"] or [])
    if "external_ids" in changes:
        actor.external_ids = []
        await session.flush()  # the old pairs must go before equal new ones arrive
        _set_external_ids(actor, changes["external_ids"] or {})
    bump_version(session, actor)
    await session.flush()
    return to_out(actor)


async def delete_actor(session: AsyncSession, actor_id: uuid.UUID) -> None:
    """Delete the actor; 409 while stances, sources, claims or affiliations refer to it."""
    actor = await load(session, Actor, actor_id, "actor", for_update=True)
    await refuse_if_referenced(
        session,
        "actor",
        actor.id,
        [
            ("stances", Stance.actor_id),
            ("sources as publisher", Source.publisher_id),
            ("sources as author", SourceAuthor.actor_id),
            ("claims as subject", ClaimSubject.actor_id),
            ("affiliations of members", Affiliation.organization_id),
        ],
    )
    await session.delete(actor)
    await session.flush()


# -- affiliations ------------------------------------------------------------------------------


def check_interval(valid_from: Any, valid_to: Any) -> None:
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        raise InvalidField("valid_to", "must not be before valid_from")


async def _check_affiliation_free(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID,
    organization_id: uuid.UUID,
    kind: str,
    valid_from: datetime | None,
    exclude: uuid.UUID | None = None,
) -> None:
    # The unique constraint treats NULL valid_from values as distinct; this check does not.
    stmt = select(Affiliation.id).where(
        Affiliation.actor_id == actor_id,
        Affiliation.organization_id == organization_id,
        Affiliation.kind == kind,
        Affiliation.valid_from == valid_from
        if valid_from is not None
        else Affiliation.valid_from.is_(None),
    )
    if exclude is not None:
        stmt = stmt.where(Affiliation.id != exclude)
    existing = await session.scalar(stmt)
    if existing is not None:
        raise Duplicate("this affiliation is already recorded", existing_id=existing)


async def create_affiliation(
    session: AsyncSession, actor_id: uuid.UUID, data: AffiliationCreate, *, by: str | None
) -> AffiliationOut:
    """The new affiliation of the actor."""
    await load(session, Actor, actor_id, "actor")
    if data.organization_id == actor_id:
        raise InvalidField("organization_id", "an actor cannot be affiliated with itself")
    await require_ids(session, Actor, [data.organization_id], "organization_id", "actor")
    check_interval(data.valid_from, data.valid_to)
    await _check_affiliation_free(
        session,
        actor_id=actor_id,
        organization_id=data.organization_id,
        kind=data.kind,
        valid_from=data.valid_from,
    )
    row = Affiliation(actor_id=actor_id, created_by=by, **data.model_dump())
    session.add(row)
    await session.flush()
    return AffiliationOut.model_validate(row)


async def _load_affiliation(
    session: AsyncSession, actor_id: uuid.UUID, affiliation_id: uuid.UUID
) -> Affiliation:
    return await load_owned(
        session, Affiliation, affiliation_id, "affiliation", owner=("actor_id", actor_id)
    )


async def get_affiliation(
    session: AsyncSession, actor_id: uuid.UUID, affiliation_id: uuid.UUID
) -> AffiliationOut:
    """The affiliation, if the actor is at either end of it."""
    row = await load_owned(
        session,
        Affiliation,
        affiliation_id,
        "affiliation",
        owner=("actor_id", actor_id),
        other_end="organization_id",
    )
    return AffiliationOut.model_validate(row)


async def list_affiliations(
    session: AsyncSession,
    actor_id: uuid.UUID,
    page: PageParams,
    *,
    direction: str = "outgoing",
) -> tuple[list[AffiliationOut], str | None]:
    """The organizations the actor belongs to (`outgoing`) or its members (`incoming`)."""
    await load(session, Actor, actor_id, "actor")
    column = Affiliation.actor_id if direction == "outgoing" else Affiliation.organization_id
    stmt = keyset(select(Affiliation).where(column == actor_id), Affiliation.id, page)
    rows, cursor = split_page(list((await session.scalars(stmt)).all()), page)
    return [AffiliationOut.model_validate(r) for r in rows], cursor


async def update_affiliation(
    session: AsyncSession,
    actor_id: uuid.UUID,
    affiliation_id: uuid.UUID,
    data: AffiliationUpdate,
) -> AffiliationOut:
    """The affiliation after the change."""
    row = await _load_affiliation(session, actor_id, affiliation_id)
    changes = changed_fields(data)
    for field, value in changes.items():
        setattr(row, field, value)
    check_interval(row.valid_from, row.valid_to)
    await _check_affiliation_free(
        session,
        actor_id=row.actor_id,
        organization_id=row.organization_id,
        kind=row.kind,
        valid_from=row.valid_from,
        exclude=row.id,
    )
    bump_version(session, row)
    await session.flush()
    return AffiliationOut.model_validate(row)


async def delete_affiliation(
    session: AsyncSession, actor_id: uuid.UUID, affiliation_id: uuid.UUID
) -> None:
    """Delete the affiliation."""
    row = await _load_affiliation(session, actor_id, affiliation_id)
    await session.delete(row)
    await session.flush()
