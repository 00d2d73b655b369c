"""Loading keyed NDJSON records (the worked example) through the services, idempotently.

Each line is `{"type": ..., "key": ..., ...}`; records refer to earlier ones by key. A record
whose natural key already exists (actor external id or kind+name, source URL or content hash,
claim statement, ...) is matched, not created again, so loading twice changes nothing.
"""

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from importlib import resources
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actors import service as actors
from app.actors.affiliations import AFFILIATIONS
from app.actors.schemas import ActorCreate, AffiliationCreate
from app.claims import service as claims
from app.claims.relations import CLAIM_RELATIONS
from app.claims.rules import statement_key
from app.claims.schemas import ClaimCreate, ClaimRelationCreate
from app.links import service as links
from app.links.kind import Edit, LinkKind, New, Row
from app.models import Actor, ActorExternalId, Claim, Source, Stance
from app.sources import service as sources
from app.sources.schemas import SourceCreate
from app.sources.urls import normalize_url
from app.stances import service as stances
from app.stances.schemas import StanceCreate

DEMO_FILE = "worked_example.ndjson"


class RecordError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def demo_lines() -> list[str]:
    """The worked example shipped with the package, one record a line."""
    return resources.files("app.demo").joinpath(DEMO_FILE).read_text("utf-8").splitlines()


# One line of the worked example, as JSON: a record's fields, and the keys of the records it
# refers to.
Record = dict[str, object]


class HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


def _keys(rec: Record, name: str, line: int) -> list[str]:
    """The keys of the records `rec` names under `name` (taken out of it): one or a list."""
    value = rec.pop(name, [])
    named = value if isinstance(value, list) else [value]
    keys = [k for k in named if isinstance(k, str)]
    if len(keys) != len(named):
        raise RecordError(line, f"`{name}` must name records by their keys")
    return keys


class Loader:
    def __init__(self, session: AsyncSession, *, by: str | None) -> None:
        self.session = session
        self.by = by
        self.ids: dict[str, uuid.UUID] = {}
        self.counts: Counter[str] = Counter()
        self.created = False

    def ref(self, key: str, line: int) -> uuid.UUID:
        if key not in self.ids:
            raise RecordError(line, f"refers to unknown key {key!r}")
        return self.ids[key]

    def key(self, rec: Record, name: str, line: int) -> uuid.UUID:
        """The id of the one record `rec` names under `name` (taken out of it)."""
        keys = _keys(rec, name, line)
        if len(keys) != 1:
            raise RecordError(line, f"`{name}` must name one record")
        return self.ref(keys[0], line)

    async def _existing(self, stmt: Select[uuid.UUID]) -> uuid.UUID | None:
        return await self.session.scalar(stmt)

    async def _or_create(
        self, found: uuid.UUID | None, create: Callable[[], Awaitable[HasId]]
    ) -> uuid.UUID:
        if found is not None:
            return found
        self.created = True
        return (await create()).id

    async def actor(self, rec: Record, line: int) -> uuid.UUID:
        data = ActorCreate(**rec)
        for scheme, value in data.external_ids.items():
            found = await self._existing(
                select(ActorExternalId.actor_id).where(
                    ActorExternalId.scheme == scheme, ActorExternalId.value == value
                )
            )
            if found:
                return found
        found = await self._existing(
            select(Actor.id).where(Actor.kind == data.kind, Actor.name == data.name)
        )
        return await self._or_create(
            found, lambda: actors.create_actor(self.session, data, by=self.by)
        )

    async def _link(
        self, kind: LinkKind[Row, New, Edit, Any], owner_id: uuid.UUID, data: New
    ) -> uuid.UUID:
        """The link of `kind` from the owner to the same other record with the same `kind`
        field (the example's natural key of every link), else a new one. (Every kind's link
        body has an id; its type variable does not say so, hence `Any`.)"""
        fields = data.model_dump(include={kind.other.key, "kind"})
        found = await self._existing(
            select(kind.model.id).where(
                kind.owner.column == owner_id,
                kind.other.column == fields[kind.other.key],
                kind.model.kind == fields["kind"],
            )
        )
        return await self._or_create(
            found, lambda: links.create(self.session, kind, owner_id, data, by=self.by)
        )

    async def affiliation(self, rec: Record, line: int) -> uuid.UUID:
        actor_id = self.key(rec, "actor", line)
        data = AffiliationCreate(organization_id=self.key(rec, "organization", line), **rec)
        return await self._link(AFFILIATIONS, actor_id, data)

    async def source(self, rec: Record, line: int) -> uuid.UUID:
        publisher = self.key(rec, "publisher", line) if rec.get("publisher") else None
        rec.pop("publisher", None)
        data = SourceCreate(
            publisher_id=publisher,
            author_ids=[self.ref(k, line) for k in _keys(rec, "authors", line)],
            **rec,
        )
        if data.url is not None:
            match = Source.url == normalize_url(data.url)
        elif data.text is not None:
            match = Source.content_hash == hashlib.sha256(data.text.encode()).hexdigest()
        else:
            match = (Source.kind == data.kind) & (Source.title == data.title)
        found = await self._existing(select(Source.id).where(match))
        return await self._or_create(
            found, lambda: sources.create_source(self.session, data, by=self.by)
        )

    async def claim(self, rec: Record, line: int) -> uuid.UUID:
        about = [self.ref(k, line) for k in _keys(rec, "about", line)]
        data = ClaimCreate(about_actor_ids=about, **rec)
        found = await self._existing(
            select(Claim.id).where(Claim.statement_key == statement_key(data.statement))
        )
        return await self._or_create(
            found, lambda: claims.create_claim(self.session, data, by=self.by)
        )

    async def claim_relation(self, rec: Record, line: int) -> uuid.UUID:
        claim_id = self.key(rec, "claim", line)
        data = ClaimRelationCreate(related_claim_id=self.key(rec, "related", line), **rec)
        return await self._link(CLAIM_RELATIONS, claim_id, data)

    async def stance(self, rec: Record, line: int) -> uuid.UUID:
        data = StanceCreate(
            claim_id=self.key(rec, "claim", line),
            actor_id=self.key(rec, "actor", line),
            source_id=self.key(rec, "source", line),
            **rec,
        )
        found = await self._existing(
            select(Stance.id).where(
                Stance.claim_id == data.claim_id,
                Stance.actor_id == data.actor_id,
                Stance.source_id == data.source_id,
                Stance.label == data.label,
            )
        )
        return await self._or_create(
            found, lambda: stances.create_stance(self.session, data, by=self.by)
        )

    async def load(self, lines: Iterable[str]) -> Counter[str]:
        """Load every record; returns how many of each type were created."""
        handlers = {
            "actor": self.actor,
            "affiliation": self.affiliation,
            "source": self.source,
            "claim": self.claim,
            "claim_relation": self.claim_relation,
            "stance": self.stance,
        }
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            rec: Record = json.loads(text)
            kind, key = rec.pop("type"), rec.pop("key")
            if kind not in handlers:
                raise RecordError(number, f"unknown record type {kind!r}")
            self.created = False
            if not isinstance(kind, str) or not isinstance(key, str):
                raise RecordError(number, "`type` and `key` must be strings")
            self.ids[key] = await handlers[kind](rec, number)
            self.counts[f"{kind} {'created' if self.created else 'matched'}"] += 1
        return self.counts


async def load_demo(session: AsyncSession, *, by: str | None = "demo") -> Counter[str]:
    """Load the worked example; returns how many records of each type were created or matched."""
    return await Loader(session, by=by).load(demo_lines())
