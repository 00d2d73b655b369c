"""Resolving a record's refs: to an earlier line's record by key, or to a record in the
database (or given earlier) by natural key."""

from collections import defaultdict

from sqlalchemy import select

from app.claims.rules import statement_key
from app.db.lookup import chunks
from app.ingest.context import Context, Resolved
from app.ingest.records import AnyRecord, NaturalRef, Ref
from app.models import Actor, ActorExternalId, Claim, Source
from app.transfer.specs import SPECS


class Batch:
    """One batch's records by key, and the ids its records got, for refs within the batch."""

    def __init__(self) -> None:
        self.by_key: dict[str, AnyRecord] = {}
        self.line_of_id: dict[str, int] = {}
        self._facts: dict[int, Resolved] = {}

    def facts(self, record: AnyRecord) -> Resolved:
        """What a ref to this batch's record needs (computed once per record)."""
        facts = self._facts.get(record.line)
        if facts is None:
            facts = self._facts[record.line] = Resolved(
                record.type,
                record.target or "",
                record.line,
                record.outcome == "created",
                record.has_text,
                record.published_at,
            )
        return facts


def _describe(ref: NaturalRef) -> str:
    if ref.kind == "external_id":
        return f"actor with external id {ref.a}={ref.b}"
    if ref.kind == "kind_name":
        return f"actor of kind {ref.a!r} named {ref.b!r}"
    if ref.kind == "url":
        return f"source with url {ref.a}"
    return f"claim with statement {ref.a!r}"


async def _lookup_natural(ctx: Context, refs: set[NaturalRef]) -> dict[NaturalRef, Resolved]:
    """The records these natural keys name in the database."""
    found: dict[NaturalRef, Resolved] = {}
    by_kind: dict[str, list[NaturalRef]] = defaultdict(list)
    for ref in refs:
        by_kind[ref.kind].append(ref)
    session = ctx.session
    for group in chunks(by_kind["external_id"]):
        pairs = await session.execute(
            select(ActorExternalId.scheme, ActorExternalId.value, Actor.id, Actor.created_at)
            .join(Actor, Actor.id == ActorExternalId.actor_id)
            .where(
                ctx.rows_among(
                    (ActorExternalId.scheme, ActorExternalId.value), [(r.a, r.b) for r in group]
                )
            )
        )
        for scheme, value, ident, created_at in pairs:
            found[NaturalRef("external_id", scheme, value)] = Resolved(
                "actor", ident.hex, 0, ctx.created_here(created_at)
            )
    for group in chunks(by_kind["kind_name"]):
        names = await session.execute(
            select(Actor.kind, Actor.name, Actor.id, Actor.created_at).where(
                ctx.rows_among((Actor.kind, Actor.name), [(r.a, r.b) for r in group])
            )
        )
        for kind, name, ident, created_at in names:
            found[NaturalRef("kind_name", kind, name)] = Resolved(
                "actor", ident.hex, 0, ctx.created_here(created_at)
            )
    for group in chunks(by_kind["url"]):
        urls = await session.execute(
            select(
                Source.url,
                Source.id,
                Source.created_at,
                Source.text.is_not(None),
                Source.published_at,
            ).where(ctx.among(Source.url, [r.a for r in group]))
        )
        for url, ident, created_at, has_text, published_at in urls:
            found[NaturalRef("url", str(url))] = Resolved(
                "source", ident.hex, 0, ctx.created_here(created_at), bool(has_text), published_at
            )
    statements = {statement_key(r.a): r for r in by_kind["statement"]}
    for keys in chunks(list(statements)):
        claims = await session.execute(
            select(Claim.statement_key, Claim.id, Claim.created_at).where(
                ctx.among(Claim.statement_key, keys)
            )
        )
        for key, ident, created_at in claims:
            found[statements[key]] = Resolved("claim", ident.hex, 0, ctx.created_here(created_at))
    return found


async def resolve(ctx: Context, batch: Batch, records: list[AnyRecord]) -> None:
    """Fill each record's `ids` from its refs; a record whose ref fails is failed."""
    natural: set[NaturalRef] = set()
    for record in records:
        for value in record.refs.values():
            if isinstance(value, NaturalRef):
                natural.add(value)
            elif isinstance(value, list):
                natural.update(ref for ref in value if isinstance(ref, NaturalRef))
    found: dict[NaturalRef, Resolved] = {}
    if natural:
        await ctx.writer.drain()  # the rows held back may be the ones named
        found = await _lookup_natural(ctx, natural)
    keys = {
        ref
        for record in records
        for value in record.refs.values()
        for ref in (value if isinstance(value, list) else (value,))
        if isinstance(ref, str)
    }
    targets = ctx.index.load(keys - batch.by_key.keys())
    for record in records:
        for rf in SPECS[record.type].refs:
            value = record.refs.get(rf.name)
            if isinstance(value, list):
                ids: list[Resolved] = []
                for i, ref in enumerate(value):
                    name = f"{rf.name}.{i}"
                    got = _one(ctx, batch, record, name, rf.target, ref, found, targets)
                    if got is None:
                        break
                    ids.append(got)
                record.many[rf.name] = ids
            elif value is not None:
                got = _one(ctx, batch, record, rf.name, rf.target, value, found, targets)
                if got is not None:
                    record.one[rf.name] = got
            if record.failed:
                break


def _one(
    ctx: Context,
    batch: Batch,
    record: AnyRecord,
    field: str,
    target: str,
    ref: Ref,
    found: dict[NaturalRef, Resolved],
    targets: dict[str, Resolved],
) -> Resolved | None:
    if isinstance(ref, NaturalRef):
        got = found.get(ref)
        if got is None:
            message = f"no {_describe(ref)} exists in the database or on an earlier line"
            ctx.fail(record, field, message, "unknown-reference")
            return None
        later = batch.line_of_id.get(got.id)
        if later is not None and later > record.line:
            ctx.fail(
                record,
                field,
                f"refers to the record of a later line ({later})",
                "forward-reference",
            )
            return None
        return got
    earlier = batch.by_key.get(ref)
    if earlier is not None and earlier.line < record.line:
        if earlier.type != target:
            ctx.fail(
                record, field, f"key {ref!r} is a {earlier.type}, not a {target}", "wrong-reference"
            )
            return None
        if earlier.failed:
            record.failed = True
            return None
        return batch.facts(earlier)
    entry = targets.get(ref)
    if entry is None:
        if earlier is not None:
            message = f"key {ref!r} is given on a later line ({earlier.line})"
            ctx.fail(record, field, message + "; refer only to earlier lines", "forward-reference")
        else:
            ctx.fail(record, field, f"no earlier {target} has key {ref!r}", "unknown-reference")
        return None
    if entry.type != target:
        ctx.fail(record, field, f"key {ref!r} is a {entry.type}, not a {target}", "wrong-reference")
        return None
    if entry.failed:
        record.failed = True
        return None
    return entry
