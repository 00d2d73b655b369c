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
from functools import partial
from typing import Any

from app.db.batches import plain
from app.errors import InvalidField
from app.ingest.context import Context, as_uuid
from app.ingest.records import AnyRecord, RefField, Spec, renamed
from app.ingest.upsert import Changed, Decider, before_updates, given_ids, loaded, settle
from app.links import service as links
from app.links.kind import LinkKind
from app.links.writes import LinkValues, NewLink, create_links, natural_key


@dataclass(frozen=True, slots=True)
class Imported:
    """A kind of link as an import reads it: the refs naming its two ends (the owner's, and the
    other's standing for its id field)."""

    kind: LinkKind[Any, Any, Any, Any]
    ends: tuple[RefField, RefField]

    @property
    def end_names(self) -> tuple[str, str]:
        return self.ends[0].name, self.ends[1].name

    @property
    def renamed(self) -> dict[str, str]:
        return renamed(self.ends)

    @property
    def id_conflict(self) -> str:
        """Why an id naming a link between other records is refused."""
        entity = self.kind.entity
        article = "an" if entity[0] in "aeiou" else "a"
        return f"is the id of {article} {entity} between other {self.kind.owner.entity}s"


def link_spec(kind: LinkKind[Any, Any, Any, Any], owner: str, other: str) -> Spec:
    """The record type of a kind of link, its two ends named on a line by the refs `owner`
    and `other`: its kind's create schema and rules, refused as the API refuses them."""
    ends = (
        RefField(owner, kind.owner.entity, None),
        RefField(other, kind.other.entity, kind.other.key),
    )
    imported = Imported(kind, ends)
    return Spec(
        kind.name,
        kind.create_schema,
        ends,
        partial(import_links, imported),
        lambda data: kind.check(dict(data)),
    )


def _new(imported: Imported, record: AnyRecord) -> NewLink[Any]:
    """The record as a new link: its other end's id in place."""
    owner, other = (as_uuid(record.one[end].id) for end in imported.end_names)
    data = record.data.model_copy(update={imported.kind.other.key: other})
    return NewLink(owner, data)


async def import_links(imported: Imported, ctx: Context, records: Sequence[AnyRecord]) -> None:
    """Create the new links of the records' type, update the changed ones."""
    kind = imported.kind
    type_name = kind.name
    on_line = imported.renamed
    live = []
    for record in records:
        if record.failed:
            continue
        owner, other = (record.one[end].id for end in imported.end_names)
        if owner == other:
            ctx.fail(record, imported.end_names[1], kind.self_link, "invalid-field")
            continue
        live.append(record)
    decide = Decider(ctx, await given_ids(ctx, kind.model, live), type_name)
    matched: list[AnyRecord] = []

    def refused(i: int, error: InvalidField) -> None:
        for e in error.errors:
            ctx.fail(live[i], on_line.get(e.field, e.field), e.message, e.type)

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
    if (owner_id.hex, other_id.hex) != tuple(record.one[end].id for end in imported.end_names):
        ctx.fail(record, "id", imported.id_conflict, "id-conflict")
        return
    data, on_line = record.data, imported.renamed
    changed: Changed = {
        name: value
        for name in kind.update_schema.model_fields
        if on_line.get(name, name) in record.present
        and (value := plain(getattr(data, name))) != getattr(row, name)
    }

    async def update(changed: Changed) -> object:
        edit = kind.update_schema.model_validate(changed)
        return await links.update(ctx.session, kind, owner_id, row.id, edit)

    await settle(ctx, record, changed, update)
