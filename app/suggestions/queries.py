"""What suggestions read from the database: the source, the actors a text names, the claims
a request names."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from app.claims.rules import statement_key
from app.db.lookup import chunks
from app.errors import NotFound
from app.models import Actor, ActorAlias, Claim, Source
from app.records import require_ids
from app.suggestions.matching import Option
from app.vocabulary import ActorKind

KEYS_PER_QUERY = 500


@dataclass(frozen=True, slots=True)
class SourceText:
    """A source as suggestions read it."""

    id: uuid.UUID
    title: str
    text: str | None
    language: str | None
    publisher: tuple[uuid.UUID, str, ActorKind] | None


@dataclass(frozen=True, slots=True)
class ActorRow:
    """An actor found by one of its folded names."""

    id: uuid.UUID
    name: str
    kind: ActorKind
    by_alias: bool


async def source_text(session: AsyncSession, source_id: uuid.UUID) -> SourceText:
    """The source with its text and publisher, or a 404."""
    source = (
        await session.scalars(
            select(Source).where(Source.id == source_id).options(undefer(Source.text))
        )
    ).one_or_none()
    if source is None:
        raise NotFound("source", source_id)
    publisher = None
    if source.publisher_id is not None:
        row = (
            await session.execute(
                select(Actor.id, Actor.name, Actor.kind).where(Actor.id == source.publisher_id)
            )
        ).one()
        publisher = (row.id, row.name, ActorKind(row.kind))
    return SourceText(source.id, source.title, source.text, source.language, publisher)


async def actors_by_keys(session: AsyncSession, keys: Iterable[str]) -> dict[str, list[ActorRow]]:
    """The actors whose folded name or alias is one of `keys`, by key (names before aliases,
    then by id)."""
    wanted = sorted(set(keys))
    found: dict[str, list[ActorRow]] = {}
    for chunk in chunks(wanted, KEYS_PER_QUERY):
        by_name = select(Actor.id, Actor.name, Actor.kind, Actor.name_folded.label("key")).where(
            Actor.name_folded.in_(chunk)
        )
        by_alias = (
            select(Actor.id, Actor.name, Actor.kind, ActorAlias.alias_folded.label("key"))
            .join(ActorAlias, ActorAlias.actor_id == Actor.id)
            .where(ActorAlias.alias_folded.in_(chunk))
        )
        rows = await session.execute(union_all(by_name, by_alias))
        for row in rows.all():
            alias = row.key != " ".join(row.name.casefold().split())
            found.setdefault(row.key, []).append(
                ActorRow(row.id, row.name, ActorKind(row.kind), alias)
            )
    for rows_of_key in found.values():
        rows_of_key.sort(key=lambda r: (r.by_alias, str(r.id)))
    return found


async def given_claims(
    session: AsyncSession, claim_ids: list[uuid.UUID] | None, statements: list[str] | None
) -> list[Option]:
    """The claims a request names: by id (422 naming `claim_ids` for an unknown one), and by
    statement (an existing claim's when the statement is recorded)."""
    options: dict[uuid.UUID | str, Option] = {}
    if claim_ids:
        await require_ids(session, Claim, claim_ids, "claim_ids", "claim")
        rows = await session.execute(
            select(Claim.id, Claim.statement).where(Claim.id.in_(set(claim_ids)))
        )
        for row in rows.all():
            options[row.id] = Option(row.id, row.statement)
    if statements:
        keys = {statement_key(s): s for s in statements}
        found = await session.execute(
            select(Claim.id, Claim.statement, Claim.statement_key).where(
                Claim.statement_key.in_(list(keys))
            )
        )
        existing = {row.statement_key: (row.id, row.statement) for row in found.all()}
        for key, statement in keys.items():
            if key in existing:
                claim_id, recorded = existing[key]
                options[claim_id] = Option(claim_id, recorded)
            else:
                options[key] = Option(None, statement)
    return list(options.values())
