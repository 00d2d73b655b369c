"""Importing owned links (affiliations, citations, claim relations): each batch created by the
links' own `create_links`, its records matched by natural key (both ends and the kind's
`distinct_by`: an affiliation's kind and start, a citation's or relation's kind).

Links are looked up even between records this import created: an earlier batch may have
linked them. A match is updated through the links' service with the fields the line gives
that differ, by name (only a match by id can change what the natural key holds).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.actors.affiliations import AFFILIATIONS
from app.claims.relations import CLAIM_RELATIONS
from app.errors import InvalidField
from app.links import service as links
from app.links.kind import LinkKind
from app.links.writes import LinkValues, NewLink, create_links, natural_key
from app.sources.citations import CITATIONS
from app.transfer.context import Context, as_uuid
from app.transfer.records import AnyRecord
from app.transfer.specs import RENAMED
from app.transfer.upsert import Changed, Decider, before_updates, given_ids, loaded, plain, settle


@dataclass(frozen=True, slots=True)
class Imported:
    """A kind of link as an import reads it: the refs naming its two ends, and the import's
    words for a line linking a record to itself and for an id naming a link between other
    records."""

    kind: LinkKind[Any, Any, Any, Any]
    ends: tuple[str, str]
    self_link: str
    id_conflict: str


IMPORTED = {
    "affiliation": Imported(
        AFFILIATIONS,
        ("actor", "organization"),
        "an actor cannot be affiliated with itself",
        "is the id of an affiliation between other actors",
    ),
    "citation": Imported(
        CITATIONS,
        ("source", "cited"),
        "a citation cannot link a record to itself",
        "is the id of a citation between other records",
    ),
    "claim_relation": Imported(
        CLAIM_RELATIONS,
        ("claim", "related"),
        "a claim relation cannot link a record to itself",
        "is the id of a claim relation between other records",
    ),
}


def _new(imported: Imported, record: AnyRecord) -> NewLink[Any]:
    """The record as a new link: its other end's id in place."""
    owner, other = (as_uuid(record.one[end].id) for end in imported.ends)
    data = record.data.model_copy(update={imported.kind.other.key: other})
    return NewLink(owner, data)


async def import_links(ctx: Context, records: Sequence[AnyRecord]) -> None:
    """Create the new links of the records' type, update the changed ones."""
    type_name = records[0].type
    imported = IMPORTED[type_name]
    kind = imported.kind
    renamed = RENAMED[type_name]
    live = []
    for record in records:
        if record.failed:
            continue
        owner, other = (record.one[end].id for end in imported.ends)
        if owner == other:
            ctx.fail(record, imported.ends[1], imported.self_link, "invalid-field")
            continue
        live.append(record)
    decide = Decider(ctx, await given_ids(ctx, kind.model, live), type_name)
    matched: list[AnyRecord] = []

    def refused(i: int, error: InvalidField) -> None:
        for e in error.errors:
            ctx.fail(live[i], renamed.get(e.field, e.field), e.message, e.type)

    def place(i: int, values: LinkValues, repeats: list[LinkValues]) -> uuid.UUID | None:
        record = live[i]
        key = natural_key(kind, values)
        found = repeats[0]["id"].hex if repeats else decide.created_id(key)
        new_id = decide.place(record, found, matched)
        if new_id is None:
            return None
        decide.created[key] = new_id
        return as_uuid(new_id)

    batch = [_new(imported, record) for record in live]
    await create_links(
        ctx.session,
        kind,
        batch,
        ctx.write(refused),
        place,
    )
    if not matched:
        return
    await before_updates(ctx, type_name)
    stored = await loaded(ctx, kind.model, matched)
    for record in matched:
        assert record.target is not None
        await _update(ctx, imported, record, stored[record.target])
    ctx.session.expunge_all()


async def _update(ctx: Context, imported: Imported, record: AnyRecord, row: Any) -> None:
    """Settle a matched record: the fields its line gives that its kind's update may change
    and that differ from the stored link's, compared by name."""
    kind = imported.kind
    owner_id: uuid.UUID = getattr(row, kind.owner.key)
    other_id: uuid.UUID = getattr(row, kind.other.key)
    if (owner_id.hex, other_id.hex) != tuple(record.one[end].id for end in imported.ends):
        ctx.fail(record, "id", imported.id_conflict, "id-conflict")
        return
    data, renamed = record.data, RENAMED[record.type]
    changed: Changed = {
        name: value
        for name in kind.update_schema.model_fields
        if renamed.get(name, name) in record.present
        and (value := plain(getattr(data, name))) != getattr(row, name)
    }

    async def update(changed: Changed) -> object:
        edit = kind.update_schema.model_validate(changed)
        return await links.update(ctx.session, kind, owner_id, row.id, edit)

    await settle(ctx, record, changed, update)
