"""Accepting suggestions: recording their stances through the services' write path.

The records go through `app.demo.loader.Loader`, which writes with the same service functions
as the API (`create_actor`, `create_claim`, `create_stance`) and matches what already exists by
natural key (actor kind and name, claim statement, source content hash, stance claim + actor +
source + label): accepting the same suggestions twice records nothing the second time. The
caller's transaction makes it all or nothing.

An actor or claim id that does not exist in this database (suggestions made against another
one) counts as missing, as does a proposed one; missing records are refused unless
`create_missing`, which creates them by name (and kind) and by statement.
"""

import re
import uuid
from collections import Counter

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.loader import Loader
from app.errors import InvalidField
from app.models import Actor, Claim
from app.suggestions.schemas import SuggestionOut
from app.vocabulary import ActorKind

NAME_PART = re.compile(r"^[A-Z][\w.'-]*$")


class MissingRecords(InvalidField):
    """Suggestions name actors or claims that do not exist, and creating them was not asked."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "suggestions",
            f"{len(missing)} actor(s) or claim(s) do not exist: {'; '.join(missing[:10])}"
            " (create them first, or accept with create_missing)",
            type="missing-records",
        )
        self.missing = missing


def _kind(name: str, kind: ActorKind | None) -> ActorKind:
    if kind is not None:
        return kind
    parts = name.split()
    person = 2 <= len(parts) <= 4 and all(NAME_PART.match(p) for p in parts)
    return ActorKind.person if person else ActorKind.organization


async def _existing(
    session: AsyncSession, model: type[Actor | Claim], ids: set[uuid.UUID]
) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set((await session.scalars(select(model.id).where(model.id.in_(ids)))).all())


async def accept(
    session: AsyncSession,
    items: list[SuggestionOut],
    *,
    source_id: uuid.UUID | None,
    source: dict[str, object] | None = None,
    create_missing: bool = False,
    by: str | None,
) -> Counter[str]:
    """Record the stances of `items` in the source `source_id` (or in `source`, a source
    record to match or create); how many records of each type were created or matched."""
    actors = await _existing(
        session, Actor, {i.speaker.actor_id for i in items if i.speaker.actor_id}
    )
    claims = await _existing(session, Claim, {i.claim.claim_id for i in items if i.claim.claim_id})
    missing = sorted(
        {f"actor {i.speaker.name!r}" for i in items if i.speaker.actor_id not in actors}
        | {f"claim {i.claim.statement!r}" for i in items if i.claim.claim_id not in claims}
    )
    if missing and not create_missing:
        raise MissingRecords(missing)
    loader = Loader(session, by=by)
    lines: list[dict[str, object]] = []
    if source_id is not None:
        loader.ids["source"] = source_id
    elif source is not None:
        lines.append({"type": "source", "key": "source", **source})
    else:
        raise InvalidField("source_id", "a stance needs a source to be recorded in")
    for n, item in enumerate(items):
        actor_key, claim_key = f"actor:{item.speaker.name}", f"claim:{item.claim.statement}"
        if item.speaker.actor_id in actors:
            loader.ids[actor_key] = item.speaker.actor_id
        elif actor_key not in loader.ids and not any(r["key"] == actor_key for r in lines):
            kind = _kind(item.speaker.name, item.speaker.kind)
            lines.append(
                {"type": "actor", "key": actor_key, "kind": kind, "name": item.speaker.name}
            )
        if item.claim.claim_id in claims:
            loader.ids[claim_key] = item.claim.claim_id
        elif claim_key not in loader.ids and not any(r["key"] == claim_key for r in lines):
            lines.append({"type": "claim", "key": claim_key, "statement": item.claim.statement})
        lines.append(
            {
                "type": "stance",
                "key": f"stance:{n}",
                "claim": claim_key,
                "actor": actor_key,
                "source": "source",
                "label": item.label,
                "probability": item.probability,
                "confidence": item.confidence,
                "quote": item.quote,
            }
        )
    return await loader.load(orjson.dumps(line).decode() for line in lines)
