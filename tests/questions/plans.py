"""Query plans of the SQL the app really runs: seed a database with enough rows for the
planner to care, capture the statements an endpoint emits, EXPLAIN each, and find full scans.

Used by `test_query_plans.py` and by `bench/plans.py` (which prints the plans for the docs).
"""

import hashlib
import json
import random
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engines import create_sessionmaker
from app.models import (
    Actor,
    Citation,
    Claim,
    ClaimRelation,
    ClaimSubject,
    ClaimTag,
    Source,
    Stance,
)
from app.models.base import new_id
from app.tallies import stats
from app.vocabulary import STANCE_LABELS, StanceLabel

SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "da", "gu", "zo", "fa", "bi")
# Rare words the plans search for (in about 1% of statements and quotes), among filler words.
RARE = ("convoy", "radar")


def _filler(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(n)]


def _sentence(rng: random.Random, filler: list[str], words: int) -> str:
    chosen = [rng.choice(filler) for _ in range(words)]
    if rng.random() < 0.01:
        chosen[0] = RARE[0]
        chosen[-1] = RARE[1]
    return " ".join(chosen)


@dataclass
class Seeded:
    """Ids in the seeded database that the questions are asked about."""

    claims: list[uuid.UUID] = field(default_factory=list)
    actors: list[uuid.UUID] = field(default_factory=list)
    sources: list[uuid.UUID] = field(default_factory=list)


def _statement_key(statement: str) -> str:
    return hashlib.sha256(" ".join(statement.casefold().split()).encode()).hexdigest()


async def seed(
    engine: AsyncEngine,
    *,
    claims: int = 200,
    stances_per_claim: int = 15,
    actors: int = 200,
    sources: int = 600,
    hot: int = 1200,
    warm: int = 250,
    seed_value: int = 4,
) -> Seeded:
    """Random but reproducible actors, sources (citing each other), claims (tagged, related,
    about actors) and stances, inserted in bulk; then statistics, so plans reflect the data.
    `claims[0]` and `actors[0]` each have `hot` stances more than the rest, `claims[1]` and
    `actors[1]` `warm` more."""
    rng = random.Random(seed_value)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    out = Seeded(
        claims=[new_id() for _ in range(claims)],
        actors=[new_id() for _ in range(actors)],
        sources=[new_id() for _ in range(sources)],
    )
    labels = list(StanceLabel)
    filler = _filler(rng, 2000)
    actor_rows = [
        {"id": a, "kind": "person", "name": f"Seeded actor {i}", "name_folded": f"seeded actor {i}"}
        for i, a in enumerate(out.actors)
    ]
    source_rows = [
        {
            "id": s,
            "kind": "news_article",
            "title": f"Seeded source {i}",
            "url": f"https://seed.example.org/{i}",
            "published_at": now - timedelta(days=i),
        }
        for i, s in enumerate(out.sources)
    ]
    citation_rows = [
        {"source_id": s, "cited_source_id": out.sources[(i + 1) % sources], "kind": "cites"}
        for i, s in enumerate(out.sources)
        if i % 3
    ]
    claim_rows = []
    for i, c in enumerate(out.claims):
        statement = f"Claim {i}: {_sentence(rng, filler, 8)}"
        claim_rows.append(
            {"id": c, "statement": statement, "statement_key": _statement_key(statement)}
        )
    tag_rows = [{"claim_id": c, "tag": f"tag-{i % 10}"} for i, c in enumerate(out.claims)]
    subject_rows = [
        {"claim_id": c, "actor_id": out.actors[i % actors], "position": 0}
        for i, c in enumerate(out.claims)
    ]
    relation_rows = [
        {"claim_id": c, "related_claim_id": out.claims[i + 1], "kind": "contradicts"}
        for i, c in enumerate(out.claims[:-1])
        if i % 5 == 0
    ]
    # Every claim gets its share of stances; the first claim and actor are hot (the most
    # discussed claim, the most prolific actor) and the second ones warm, as real data is skewed.
    pairs = [(c, rng.choice(out.actors)) for c in out.claims for _ in range(stances_per_claim)]
    pairs += [(out.claims[0], rng.choice(out.actors)) for _ in range(hot)]
    pairs += [(rng.choice(out.claims), out.actors[0]) for _ in range(hot)]
    pairs += [(out.claims[1], rng.choice(out.actors)) for _ in range(warm)]
    pairs += [(rng.choice(out.claims), out.actors[1]) for _ in range(warm)]
    rng.shuffle(pairs)  # ids (time-ordered) interleave claims and actors, as in real use
    stance_rows = []
    for claim_id, actor_id in pairs:
        label = rng.choice(labels)
        stance_rows.append(
            {
                "id": new_id(),
                "claim_id": claim_id,
                "actor_id": actor_id,
                "source_id": rng.choice(out.sources),
                "label": label.value,
                "side": STANCE_LABELS[label].side.value,
                "quote": _sentence(rng, filler, 6),
                "stated_at": now - timedelta(days=rng.randrange(1000)),
                "retracted_at": now if rng.random() < 0.05 else None,
            }
        )
    async with engine.begin() as conn:
        for table, rows in (
            (Actor, actor_rows),
            (Source, source_rows),
            (Citation, citation_rows),
            (Claim, claim_rows),
            (ClaimTag, tag_rows),
            (ClaimSubject, subject_rows),
            (ClaimRelation, relation_rows),
        ):
            await conn.execute(insert(table), rows)
        for start in range(0, len(stance_rows), 5000):
            await conn.execute(insert(Stance), stance_rows[start : start + 5000])
    async with create_sessionmaker(engine)() as session:
        for start in range(0, len(out.claims), 5000):  # bound the statement's parameters
            await stats.recount(session, out.claims[start : start + 5000])
        await session.commit()
    # VACUUM on PostgreSQL also merges the GIN indexes' pending lists, as autovacuum would.
    refresh = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text(refresh))
    return out


Question = Callable[[Seeded], str]


def _question(path: str) -> Question:
    """The question asked by `path`, in which `{claims[7]}` stands for the id of the seeded
    claim 7 (likewise `actors` and `sources`)."""
    return lambda s: path.format(claims=s.claims, actors=s.actors, sources=s.sources)


# The questions whose plans are checked: endpoint paths for the seeded ids. MAIN are the ones
# docs/query-plans.md shows.
PATHS = {
    "claim stances by side": "/v1/claims/{claims[7]}/stances?side=support",
    "claim stances": "/v1/claims/{claims[7]}/stances",
    "hot claim stances": "/v1/claims/{claims[0]}/stances",
    "warm claim stances": "/v1/claims/{claims[1]}/stances",
    "hot claim stances by side": "/v1/claims/{claims[0]}/stances?side=dispute",
    "claim stances by label": "/v1/claims/{claims[7]}/stances?label=denied",
    "claim stances as of": (
        "/v1/claims/{claims[7]}/stances?as_of=2025-06-01T00:00:00Z&include_retracted=true"
    ),
    "claim stances of an actor": "/v1/claims/{claims[7]}/stances?actor_id={actors[3]}",
    "implied disputers": "/v1/claims/{claims[5]}/stances?side=dispute&include=implied",
    "actor stances": "/v1/actors/{actors[3]}/stances?side=dispute",
    "actor stances, every side": "/v1/actors/{actors[3]}/stances",
    "hot actor stances": "/v1/actors/{actors[0]}/stances",
    "warm actor stances": "/v1/actors/{actors[1]}/stances",
    "hot actor stances by side": "/v1/actors/{actors[0]}/stances?side=support",
    "actor stances by label": "/v1/actors/{actors[3]}/stances?label=likely",
    "source stances": "/v1/sources/{sources[2]}/stances",
    "contested claims by stances": "/v1/claims?contested=true&sort=stances",
    "contested claims by newest": "/v1/claims?contested=true&sort=newest",
    "search by text": "/v1/claims?q=convoy+radar",
    "search by one word": "/v1/claims?q=convoy&limit=5",
    "search by text and actor": "/v1/claims?q=convoy&actor_id={actors[3]}",
    "claims of an actor on a side": "/v1/claims?actor_id={actors[3]}&side=support&sort=newest",
    "claims with a label": "/v1/claims?label=highly_unlikely",
    "claims stated in a window": "/v1/claims?since=2024-01-01T00:00:00Z&until=2024-01-03T00:00:00Z",
    "claims by tag": "/v1/claims?tag=tag-3&sort=stances",
    "claims about an actor": "/v1/claims?about_actor_id={actors[3]}",
    "claim summary": "/v1/claims/{claims[7]}",
    "sides by organization": "/v1/claims/{claims[7]}/sides?group_by=organization",
    "timeline": "/v1/claims/{claims[7]}/timeline",
    "hot claim timeline": "/v1/claims/{claims[0]}/timeline",
    "provenance": "/v1/claims/{claims[7]}/provenance",
    "related claims": "/v1/claims/{claims[5]}/related",
    "disagreements": "/v1/actors/{actors[3]}/disagreements?with_actor_id={actors[4]}",
    "disagreements with a hot actor": (
        "/v1/actors/{actors[0]}/disagreements?with_actor_id={actors[4]}"
    ),
}
QUESTIONS: dict[str, Question] = {name: _question(path) for name, path in PATHS.items()}


MAIN = (
    "claim stances by side",
    "warm claim stances",
    "actor stances",
    "contested claims by stances",
    "search by text",
    "search by one word",
    "claim summary",
    "timeline",
    "provenance",
    "disagreements",
)


@contextmanager
def captured(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements (and their parameters) run on `engine` inside the block."""
    statements: list[tuple[str, Any]] = []

    def listen(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listen)


@dataclass(frozen=True)
class Plan:
    """A statement's plan: the lines to show, and every scan in it as (table, how)."""

    statement: str
    lines: list[str]
    scans: list[tuple[str, str]]

    def full_scans(self, table: str) -> list[str]:
        """Each time `table` is read in full: a sequential scan, or a walk of a whole index
        with no condition on it (PostgreSQL's Index Scan without an Index Cond and no Limit
        above it, SQLite's SCAN ... USING INDEX)."""
        return [how for name, how in self.scans if name == table and how == "full scan"]

    def sorts(self) -> bool:
        """Whether the plan sorts rows (rather than reading them in an index's order)."""
        return any(
            line.lstrip().startswith(("Sort", "Incremental Sort", "USE TEMP B-TREE FOR "))
            and "GROUP BY" not in line
            and "DISTINCT" not in line
            for line in self.lines
        )

    def indexes(self, table: str) -> set[str]:
        """The indexes the plan reads `table` through."""
        return {how for name, how in self.scans if name == table and how != "full scan"}


def _pg_nodes(
    node: dict[str, Any], depth: int = 0, limited: bool = False
) -> Iterator[tuple[int, bool, dict[str, Any]]]:
    """Each node of a PostgreSQL plan with its depth and whether a Limit is above it."""
    yield depth, limited, node
    for child in node.get("Plans", []):
        yield from _pg_nodes(child, depth + 1, limited or node["Node Type"] == "Limit")


def _pg_line(node: dict[str, Any]) -> str:
    parts = [node["Node Type"]]
    if "Index Name" in node:
        parts.append(f"using {node['Index Name']}")
    if "Relation Name" in node:
        parts.append(f"on {node['Relation Name']}")
        if node.get("Alias") not in (None, node["Relation Name"]):
            parts.append(node["Alias"])
    for key in ("Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond"):
        if key in node:
            parts.append(f"[{key}: {node[key]}]")
    return " ".join(parts)


def _pg_plan(statement: str, tree: dict[str, Any]) -> Plan:
    lines, scans = [], []
    for depth, limited, node in _pg_nodes(tree):
        lines.append("  " * depth + _pg_line(node))
        if "Relation Name" not in node:
            continue
        table = node["Relation Name"]
        # An index scan with no Index Cond walks the whole index for its order, filtering
        # each row: a full scan, unless a Limit above stops it after a page.
        walk = "Index Name" in node and "Index Cond" not in node and not limited
        if node["Node Type"] == "Seq Scan" or walk:
            scans.append((table, "full scan"))
        # A bitmap heap scan reads through the indexes of the bitmap index scans below it.
        scans += [(table, n["Index Name"]) for _, _, n in _pg_nodes(node) if "Index Name" in n]
    return Plan(statement, lines, scans)


SQLITE_SCAN = re.compile(r"^(SCAN|SEARCH) (\w+)")
SQLITE_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\w+)")


def _sqlite_plan(statement: str, rows: list[Any]) -> Plan:
    depths: dict[int, int] = {}
    lines, scans = [], []
    for node_id, parent, _, detail in rows:
        depths[node_id] = depths.get(parent, -1) + 1
        lines.append("  " * depths[node_id] + detail)
        match = SQLITE_SCAN.match(detail)
        if match is None:
            continue
        verb, table = match.groups()
        index = SQLITE_INDEX.search(detail)
        # SCAN reads a whole table, or a whole index for its order (USING INDEX); SEARCH
        # looks rows up by a condition on an index.
        if verb == "SCAN" and "VIRTUAL TABLE" not in detail:
            scans.append((table, "full scan"))
        if index:
            scans.append((table, index.group(1)))
    return Plan(statement, lines, scans)


async def explain(
    engine: AsyncEngine, statement: str, parameters: Any, *, index_if_any: bool = False
) -> Plan:
    """EXPLAIN one captured statement with its parameters. `index_if_any`: on PostgreSQL, with
    sequential scans and hash and merge joins priced out, to show whether rows can be looked
    up by an index in a table too small for the planner to prefer that."""
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            if index_if_any:
                for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                    await conn.exec_driver_sql(f"SET LOCAL {setting} = off")
            result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            raw = result.scalar_one()
            return _pg_plan(
                statement, (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            )
        query = f"EXPLAIN QUERY PLAN {statement}"
        return _sqlite_plan(statement, list((await conn.exec_driver_sql(query, parameters)).all()))


def touches(statement: str, table: str) -> bool:
    """Whether a statement reads `table` (by name, not as part of a longer name)."""
    return re.search(rf"\b(FROM|JOIN)\s+{table}\b", statement, re.IGNORECASE) is not None
