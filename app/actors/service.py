"""Actors: create, read, list, update, delete. Their affiliations are owned links
(`app.actors.affiliations`, served by `app.links`)."""

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.actors.affiliations import AFFILIATIONS
from app.actors.schemas import ActorCreate, ActorOut, ActorUpdate, AffiliationOut
from app.actors.writes import create_actors, fold
from app.db.batches import Write
from app.db.paging import PageParams, keyset, split_page
from app.errors import Duplicate
from app.links import service as links
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
from app.records import changed_fields, delete_unreferenced, load, refuse_taken, save_change

WITH_NAMES = (selectinload(Actor.aliases), selectinload(Actor.external_ids))


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
    return ActorOut.from_row(
        actor,
        aliases=[a.alias for a in actor.aliases],
        external_ids={e.scheme: e.value for e in actor.external_ids},
    )


async def _check_unique(
    session: AsyncSession,
    *,
    kind: str,
    name: str,
    external_ids: dict[str, str],
    exclude: uuid.UUID | None = None,
) -> None:
    detail = f"an actor of kind {kind!r} named {name!r} exists"
    await refuse_taken(
        session, Actor, detail, Actor.kind == kind, Actor.name == name, exclude=exclude
    )
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
    """The new actor: a batch of one for `create_actors`, a 409 if its kind and name, or one
    of its external ids, is taken (the name named first)."""
    (outcome,) = await create_actors(session, [data], Write(by))
    owners = outcome.owners
    name_key = ("n", outcome.values["kind"], data.name)
    if name_key in owners:
        detail = f"an actor of kind {data.kind!r} named {data.name!r} exists"
        raise Duplicate(detail, existing_id=owners[name_key])
    for (_, scheme, value), actor_id in owners.items():
        raise Duplicate(
            f"external id {scheme}={value} belongs to actor {actor_id}", existing_id=actor_id
        )
    return ActorOut.model_validate(
        {**outcome.values, "aliases": data.aliases, "external_ids": data.external_ids}
    )


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
    await save_change(session, actor)
    return to_out(actor)


# What refers to an actor, as a refused deletion (409) names it.
REFERENCES = [
    ("stances", Stance.actor_id),
    ("sources as publisher", Source.publisher_id),
    ("sources as author", SourceAuthor.actor_id),
    ("claims as subject", ClaimSubject.actor_id),
    ("affiliations of members", Affiliation.organization_id),
]


async def delete_actor(session: AsyncSession, actor_id: uuid.UUID) -> None:
    """Delete the actor; 409 while stances, sources, claims or affiliations refer to it."""
    await delete_unreferenced(session, Actor, actor_id, "actor", REFERENCES)


async def list_affiliations(
    session: AsyncSession, actor_id: uuid.UUID, page: PageParams, *, direction: str = "both"
) -> tuple[list[AffiliationOut], str | None]:
    """The actor's affiliations (`outgoing`: what it belongs to; `incoming`: its members),
    as the affiliation routes list them: the explorer's actor page shows both."""
    return await links.list_links(session, AFFILIATIONS, actor_id, page, direction=direction)
