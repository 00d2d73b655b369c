"""Importing actors (matched by any external id, else kind and name)."""

import uuid
from collections import defaultdict
from functools import partial

from sqlalchemy import select

from app.actors import service as actors
from app.actors.schemas import ActorCreate, ActorUpdate
from app.history.changelog import Folded
from app.models import Actor, ActorAlias, ActorExternalId
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.records import Record
from app.transfer.rows import ActorRow, AliasRow, ExternalIdRow, HexId
from app.transfer.upsert import (
    Changed,
    Decider,
    before_updates,
    changes,
    given_ids,
    loaded,
    plain,
    settle,
)

ActorRecord = Record[ActorCreate]
NaturalKey = tuple[str, str, str]  # ("x", scheme, value) or ("n", kind, name)


def _natural_keys(record: ActorRecord) -> list[NaturalKey]:
    data = record.data
    keys: list[NaturalKey] = [("x", s, v) for s, v in data.external_ids.items()]
    return [*keys, ("n", data.kind.value, data.name)]


async def _lookup(ctx: Context, keys: set[NaturalKey]) -> dict[NaturalKey, HexId]:
    found: dict[NaturalKey, HexId] = {}
    by = (
        ("x", (ActorExternalId.scheme, ActorExternalId.value), ActorExternalId.actor_id),
        ("n", (Actor.kind, Actor.name), Actor.id),
    )
    for marker, columns, owner in by:
        for part in chunks([(k[1], k[2]) for k in keys if k[0] == marker]):
            rows = await ctx.session.execute(
                select(*columns, owner).where(ctx.rows_among(columns, part))
            )
            found.update(((marker, a, b), actor.hex) for a, b, actor in rows)
    return found


async def import_actors(ctx: Context, records: list[ActorRecord]) -> None:
    """Create the new actors, update the changed ones."""
    live = [r for r in records if not r.failed]
    found = await _lookup(ctx, {k for r in live for k in _natural_keys(r)})
    decide = Decider(ctx, await given_ids(ctx, Actor, live), "actor")
    await ctx.writer.start()  # the earlier batches' rows are written while this one is built
    rows: list[ActorRow] = []
    aliases: list[AliasRow] = []
    external: list[ExternalIdRow] = []
    matched: list[ActorRecord] = []
    folded: list[Folded] = []
    for record in live:
        keys = _natural_keys(record)
        target = next(filter(None, (found.get(k) or decide.created_id(k) for k in keys)), None)
        new_id = decide.place(record, target, matched)
        if new_id is None:
            continue
        for key in keys:
            decide.created[key] = new_id
        data = record.data
        rows.append(
            ActorRow(
                new_id,
                data.kind.value,
                data.name,
                actors.fold(data.name),
                data.country,
                data.description,
                data.reliability.value if data.reliability is not None else None,
                *ctx.audit,
            )
        )
        aliases.extend(AliasRow(new_id, a, actors.fold(a), i) for i, a in enumerate(data.aliases))
        external.extend(ExternalIdRow(new_id, s, v) for s, v in data.external_ids.items())
        folded.append({"aliases": data.aliases, "external_ids": data.external_ids})
    await ctx.create(Actor, rows, folded)
    await ctx.writer.insert(ActorAlias, aliases, defer=True)
    await ctx.writer.insert(ActorExternalId, external, defer=True)
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
        changed = changes(
            record,
            {
                "kind": (plain(data.kind), old.kind),
                "name": (data.name, old.name),
                "aliases": (data.aliases, alias_of[record.target]),
                "country": (data.country, old.country),
                "description": (data.description, old.description),
                "external_ids": (data.external_ids, external_of[record.target]),
                "reliability": (plain(data.reliability), old.reliability),
            },
        )
        await settle(ctx, record, changed, partial(_update_actor, ctx, as_uuid(record.target)))
    ctx.session.expunge_all()


async def _update_actor(ctx: Context, actor_id: uuid.UUID, changed: Changed) -> object:
    update = ActorUpdate.model_validate(changed)
    return await actors.update_actor(ctx.session, actor_id, update, by=ctx.by)
