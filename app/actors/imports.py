"""Importing actors (matched by any external id, else kind and name): each batch created by
the actors' own `create_actors`."""

import uuid
from collections import defaultdict
from functools import partial

from sqlalchemy import select

from app.actors import service as actors
from app.actors.affiliations import AFFILIATIONS
from app.actors.schemas import ActorCreate, ActorUpdate
from app.actors.writes import ActorValues, Owners, create_actors, natural_keys
from app.db.batches import plain
from app.db.lookup import chunks
from app.ingest.context import Context, as_uuid
from app.ingest.records import HexId, Record, Spec
from app.ingest.upsert import (
    Changed,
    Decider,
    before_updates,
    changes,
    given_ids,
    loaded,
    settle,
)
from app.links.imports import link_spec
from app.models import Actor, ActorAlias, ActorExternalId

ActorRecord = Record[ActorCreate]
# The fields a match compares, by name: those an update may change (columns of the actor's
# row, or its aliases and external ids).
COMPARED = tuple(ActorUpdate.model_fields)


async def import_actors(ctx: Context, records: list[ActorRecord]) -> None:
    """Create the new actors, update the changed ones."""
    live = [r for r in records if not r.failed]
    decide = Decider(ctx, await given_ids(ctx, Actor, live), "actor")
    matched: list[ActorRecord] = []

    def place(i: int, values: ActorValues, owners: Owners) -> uuid.UUID | None:
        record = live[i]
        keys = natural_keys(record.data)
        target = next(
            filter(None, ((o.hex if (o := owners.get(k)) else decide.created_id(k)) for k in keys)),
            None,
        )
        new_id = decide.place(record, target, matched)
        if new_id is None:
            return None
        for key in keys:
            decide.created[key] = new_id
        return as_uuid(new_id)

    await create_actors(
        ctx.session,
        [r.data for r in live],
        ctx.write(),
        place,
    )
    await _update_actors(ctx, matched)


async def _update_actors(ctx: Context, records: list[ActorRecord]) -> None:
    if not records:
        return
    await before_updates(ctx, "actor")
    ids = [as_uuid(i) for i in {r.target for r in records if r.target}]
    current = await loaded(ctx, Actor, records)
    alias_of: dict[HexId, list[str]] = defaultdict(list)
    external_of: dict[HexId, dict[str, str]] = defaultdict(dict)
    for part in chunks(ids):
        for actor_id, alias in await ctx.session.execute(
            select(ActorAlias.actor_id, ActorAlias.alias)
            .where(ctx.among(ActorAlias.actor_id, part))
            .order_by(ActorAlias.actor_id, ActorAlias.position)
        ):
            alias_of[actor_id.hex].append(alias)
        for actor_id, scheme, value in await ctx.session.execute(
            select(ActorExternalId.actor_id, ActorExternalId.scheme, ActorExternalId.value).where(
                ctx.among(ActorExternalId.actor_id, part)
            )
        ):
            external_of[actor_id.hex][scheme] = value
    for record in records:
        assert record.target is not None
        old, data = current[record.target], record.data
        stored = {"aliases": alias_of[record.target], "external_ids": external_of[record.target]}
        changed = changes(
            record,
            {
                name: (
                    plain(getattr(data, name)),
                    stored[name] if name in stored else getattr(old, name),
                )
                for name in COMPARED
            },
        )
        await settle(ctx, record, changed, partial(_update_actor, ctx, as_uuid(record.target)))
    ctx.session.expunge_all()


async def _update_actor(ctx: Context, actor_id: uuid.UUID, changed: Changed) -> object:
    update = ActorUpdate.model_validate(changed)
    return await actors.update_actor(ctx.session, actor_id, update, by=ctx.by)


ACTOR = Spec("actor", ActorCreate, (), import_actors)
AFFILIATION = link_spec(AFFILIATIONS, "actor", "organization")
