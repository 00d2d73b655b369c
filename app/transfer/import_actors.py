"""Importing actors (matched by any external id, else kind and name)."""

import uuid
from collections import defaultdict
from functools import partial
from typing import Any

from sqlalchemy import select

from app.actors import service as actors
from app.actors.schemas import ActorUpdate
from app.models import Actor, ActorAlias, ActorExternalId
from app.transfer.context import Context, as_uuid, chunks
from app.transfer.records import Record
from app.transfer.upsert import (
    Decider,
    before_updates,
    changes,
    existing_ids,
    loaded,
    plain,
    settle,
)

ACTOR_COLUMNS = (
    "id",
    "kind",
    "name",
    "name_folded",
    "country",
    "description",
    "reliability",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)


def _natural_keys(record: Record) -> list[tuple[str, ...]]:
    data = record.data
    keys: list[tuple[str, ...]] = [("x", s, v) for s, v in data.external_ids.items()]
    return [*keys, ("n", plain(data.kind), data.name)]


async def _lookup(ctx: Context, keys: set[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    found: dict[tuple[str, ...], str] = {}
    pairs = [k[1:] for k in keys if k[0] == "x"]
    for part in chunks(pairs):
        rows = await ctx.session.execute(
            select(ActorExternalId.scheme, ActorExternalId.value, ActorExternalId.actor_id).where(
                ctx.rows_among((ActorExternalId.scheme, ActorExternalId.value), part)
            )
        )
        found.update((("x", s, v), a.hex) for s, v, a in rows)
    names = [k[1:] for k in keys if k[0] == "n"]
    for part in chunks(names):
        rows = await ctx.session.execute(
            select(Actor.kind, Actor.name, Actor.id).where(
                ctx.rows_among((Actor.kind, Actor.name), part)
            )
        )
        found.update((("n", k, n), a.hex) for k, n, a in rows)
    return found


async def import_actors(ctx: Context, records: list[Record]) -> None:
    """Create the new actors, update the changed ones."""
    live = [r for r in records if not r.failed]
    keys = {k for r in live for k in _natural_keys(r)}
    found = await _lookup(ctx, keys)
    by_id = await existing_ids(ctx, Actor, [r.id.hex for r in live if r.id])
    decide = Decider(ctx, by_id, "actor")
    await ctx.writer.start()  # the earlier batches' rows are written while this one is built
    rows: list[tuple[Any, ...]] = []
    aliases: list[tuple[Any, ...]] = []
    external: list[tuple[Any, ...]] = []
    matched: list[Record] = []
    folded: list[dict[str, Any]] = []
    for record in live:
        data, target = record.data, None
        for key in _natural_keys(record):
            target = found.get(key) or decide.created_id(key)
            if target is not None:
                break
        target = target or decide.by_given_id(record)
        if record.failed:
            continue
        if target is not None:
            record.target = target
            matched.append(record)
            continue
        new_id = decide.new_id(record)
        if new_id is None:
            continue
        record.target = new_id
        for key in _natural_keys(record):
            decide.created[key] = new_id
        rows.append(
            (
                new_id,
                plain(data.kind),
                data.name,
                actors.fold(data.name),
                data.country,
                data.description,
                plain(data.reliability),
                ctx.by,
                ctx.now,
                ctx.now,
                1,
            )
        )
        aliases.extend((new_id, a, actors.fold(a), i) for i, a in enumerate(data.aliases))
        external.extend((new_id, s, v) for s, v in data.external_ids.items())
        folded.append({"aliases": data.aliases, "external_ids": data.external_ids})
        ctx.count(record, "created")
    await ctx.writer.insert(Actor.__table__, ACTOR_COLUMNS, rows, defer=True)  # type: ignore[arg-type]
    await ctx.changes.created(Actor, ACTOR_COLUMNS, rows, folded, defer=True)
    await ctx.writer.insert(
        ActorAlias.__table__,  # type: ignore[arg-type]
        ("actor_id", "alias", "alias_folded", "position"),
        aliases,
        defer=True,
    )
    await ctx.writer.insert(
        ActorExternalId.__table__,  # type: ignore[arg-type]
        ("actor_id", "scheme", "value"),
        external,
        defer=True,
    )
    await _update_actors(ctx, matched)


async def _update_actors(ctx: Context, records: list[Record]) -> None:
    if not records:
        return
    await before_updates(ctx, "actor")
    ids = [as_uuid(i) for i in {r.target for r in records if r.target}]
    current = await loaded(ctx, Actor, records)
    alias_of: dict[str, list[str]] = defaultdict(list)
    external_of: dict[str, dict[str, str]] = defaultdict(dict)
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


async def _update_actor(ctx: Context, actor_id: uuid.UUID, changed: dict[str, Any]) -> Any:
    return await actors.update_actor(ctx.session, actor_id, ActorUpdate(**changed), by=ctx.by)
