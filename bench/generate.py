"""A deterministic claimgraph dataset as import NDJSON, for benchmarks and tests.

    python bench/generate.py --stances 1000000 --seed 1 -o bench/w2.ndjson

For N stances it writes about N/50 actors (with affiliations to organizations), N/5 sources
(30% with full text, citation chains with some cycles), N/10 claims (with relations) and the N
stances, in dependency order. Claim popularity is skewed (Zipf, s = 1.1): a few claims draw
most stances, as real topics do. Every stance label occurs; explicit probabilities fall inside
their label's band; quotes of sources with text are taken from that text (some with
typographic quotes), so the importer's quote check runs on them.

Every record is a pure function of (seed, record type, index): nothing is held in memory but
the Zipf table, so the file size is bounded only by the disk.
"""

import argparse
import bisect
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any, BinaryIO

import orjson

LABELS = [
    ("confirmed", (0.95, 1.0)),
    ("asserted", None),
    ("highly_likely", (0.80, 0.95)),
    ("likely", (0.55, 0.80)),
    ("possible", (0.45, 0.55)),
    ("reported", None),
    ("no_comment", None),
    ("questioned", None),
    ("unlikely", (0.20, 0.45)),
    ("highly_unlikely", (0.05, 0.20)),
    ("denied", (0.0, 0.05)),
]
LABEL_WEIGHTS = list(accumulate([6, 14, 6, 8, 4, 30, 4, 8, 6, 4, 10]))
ORG_KINDS = ["organization", "government", "agency", "military"]
AFFILIATION_KINDS = ["member_of", "part_of", "spokesperson_for", "employed_by", "leads"]
SOURCE_KINDS = ["news_article"] * 6 + ["statement", "press_briefing", "report", "social_post"]
CITATION_KINDS = ["cites", "cites", "cites", "quotes", "republishes", "translates"]
RELATION_KINDS = ["contradicts", "supports", "refines", "same_as"]
COUNTRIES = ["KR", "KP", "RU", "UA", "US", "GB", "FR", "DE", "CN", "JP", "PL", "TR", None]
LANGUAGES = ["en"] * 7 + ["ko", "uk", "ru"]
TAGS = ["north-korea", "russia", "ukraine-war", "troops", "sanctions", "missiles", "elections"]
TAGS += ["energy", "cyber", "shipping", "diplomacy", "economy", "health", "climate"]
SYLLABLES = ["ka", "min", "jo", "vla", "dim", "ser", "hye", "yun", "pet", "ro", "an", "li"]
TEXT = (
    "officials said the deployment of personnel near the border was confirmed by several "
    "sources while others denied any involvement and analysts warned that the agreement "
    "could change the balance of forces in the region according to reports from the capital "
    "where ministers met to discuss sanctions shipments of artillery shells and missiles"
)
WORDS = TEXT.split(" ")
SUBJECTS = ["North Korean troops", "Russian forces", "The ministry", "Cargo ships", "Engineers"]
SUBJECTS += ["Hackers", "The central bank", "Border guards", "The navy", "Observers"]
VERBS = ["are deployed to", "supplied shells to", "crossed into", "trained with", "left"]
VERBS += ["were seen near", "financed", "attacked", "inspected", "negotiated with"]
START = datetime(2024, 1, 1, tzinfo=UTC)


class Dataset:
    """The records of one dataset, generated on demand."""

    def __init__(self, stances: int, seed: int = 1) -> None:
        self.seed = seed
        self.stances = stances
        self.actors = max(20, stances // 50)
        self.sources = max(20, stances // 5)
        self.claims = max(10, stances // 10)
        # Zipf weights by popularity rank; ranks map to claims through a fixed permutation so
        # that popular claims are spread through the file rather than all at its start.
        self._zipf = list(accumulate(1 / (rank + 1) ** 1.1 for rank in range(self.claims)))
        self._claim_of_rank = list(range(self.claims))
        random.Random(seed).shuffle(self._claim_of_rank)

    def _rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{index}")

    # -- actors ---------------------------------------------------------------------------

    def actor_kind(self, i: int) -> str:
        """Every 10th actor an organization-like one, every 10th (+1) a media outlet, ..."""
        slot = i % 20
        if slot in (0, 10):
            return ORG_KINDS[(i // 20) % len(ORG_KINDS)]
        if slot in (1, 11):
            return "media"
        if slot == 2:
            return "fact_checker"
        if slot in (3, 13, 17):
            return "group"
        return "person"

    def actor(self, i: int) -> dict[str, Any]:
        rng = self._rng("actor", i)
        kind = self.actor_kind(i)
        first = "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
        last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))).capitalize()
        label = kind.replace("_", " ").title()
        name = f"{first} {last} {i}" if kind == "person" else f"{label} {last} {i}"
        record: dict[str, Any] = {"type": "actor", "key": f"a{i}", "kind": kind, "name": name}
        record["aliases"] = [f"{last} {i}"] if rng.random() < 0.3 else []
        record["country"] = rng.choice(COUNTRIES)
        record["description"] = f"Generated {kind} number {i}." if rng.random() < 0.5 else None
        record["external_ids"] = {"wikidata": f"Q{1_000_000 + i}"} if rng.random() < 0.3 else {}
        if kind in ("media", "agency", "fact_checker") and rng.random() < 0.6:
            record["reliability"] = rng.choice("ABCDEF")
        return record

    def affiliations(self) -> Iterator[dict[str, Any]]:
        orgs = [i for i in range(min(self.actors, 400)) if self.actor_kind(i) in ORG_KINDS]
        for i in range(self.actors):
            if self.actor_kind(i) not in ("person", "group"):
                continue
            rng = self._rng("affiliation", i)
            for n, org in enumerate(rng.sample(orgs, k=min(len(orgs), rng.choice([0, 1, 1, 2])))):
                valid_from = START - timedelta(days=rng.randint(0, 2000))
                yield {
                    "type": "affiliation",
                    "key": f"f{i}-{n}",
                    "actor": f"a{i}",
                    "organization": f"a{org}",
                    "kind": rng.choice(AFFILIATION_KINDS),
                    "role": rng.choice([None, "Minister", "Spokesperson", "Analyst", "Officer"]),
                    "valid_from": valid_from.date().isoformat() if rng.random() < 0.6 else None,
                    "valid_to": (valid_from + timedelta(days=rng.randint(30, 900))).isoformat()
                    if rng.random() < 0.2
                    else None,
                }

    # -- sources --------------------------------------------------------------------------

    def source_published(self, i: int) -> datetime | None:
        rng = self._rng("published", i)
        if rng.random() < 0.1:
            return None
        return START + timedelta(minutes=rng.randint(0, 700 * 24 * 60))

    def source_text(self, i: int) -> str | None:
        rng = self._rng("text", i)
        if rng.random() >= 0.3:
            return None
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), "the minister's")
            sentences.append(" ".join(words).capitalize() + ".")
        return f"Story {i}. " + " ".join(sentences)

    def source(self, i: int) -> dict[str, Any]:
        rng = self._rng("source", i)
        kind = rng.choice(SOURCE_KINDS)
        publisher = rng.randrange(self.actors)
        while self.actor_kind(publisher) != "media":
            publisher = (publisher + 1) % self.actors
        persons = [rng.randrange(self.actors) for _ in range(rng.choice([0, 0, 0, 1, 1, 2]))]
        published = self.source_published(i)
        text = self.source_text(i)
        return {
            "type": "source",
            "key": f"s{i}",
            "kind": kind,
            "title": f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} the front, report {i}",
            "url": None
            if rng.random() < 0.15
            else f"https://news{publisher}.example.org/{i % 97}/story-{i}?utm_source=feed",
            "publisher": f"a{publisher}" if rng.random() < 0.9 else None,
            "authors": [f"a{p}" for p in dict.fromkeys(persons)],
            "published_at": published,
            "retrieved_at": published + timedelta(days=rng.randint(0, 30)) if published else None,
            "language": rng.choice(LANGUAGES),
            "text": text,
        }

    def citations(self) -> Iterator[dict[str, Any]]:
        """Chains back to earlier sources; about 1% of sources also cite a later one, which
        closes a cycle when that later source cites back."""
        for i in range(1, self.sources):
            rng = self._rng("citation", i)
            cited = {rng.randrange(max(0, i - 50), i) for _ in range(rng.choice([0, 1, 1, 2]))}
            if rng.random() < 0.01 and i + 1 < self.sources:
                cited.add(i + 1)
            for n, target in enumerate(sorted(cited)):
                yield {
                    "type": "citation",
                    "key": f"x{i}-{n}",
                    "source": f"s{i}",
                    "cited": f"s{target}",
                    "kind": rng.choice(CITATION_KINDS),
                }
        if self.sources > 2:  # one certain cycle: s0 -> s1 -> s0
            yield {"type": "citation", "key": "x-cycle", "source": "s0", "cited": "s1"}

    # -- claims ---------------------------------------------------------------------------

    def claim(self, i: int) -> dict[str, Any]:
        rng = self._rng("claim", i)
        subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        about = sorted({rng.randrange(self.actors) for _ in range(rng.choice([0, 1, 2]))})
        occurred = START + timedelta(days=rng.randint(0, 600)) if rng.random() < 0.3 else None
        return {
            "type": "claim",
            "key": f"c{i}",
            "statement": f"{subject} {verb} {rng.choice(COUNTRIES[:-1])} (claim {i})",
            "tags": sorted(set(rng.sample(TAGS, k=rng.randint(0, 3)))),
            "about": [f"a{a}" for a in about],
            "occurred_from": occurred,
            "occurred_to": occurred + timedelta(days=rng.randint(0, 60)) if occurred else None,
        }

    def relations(self) -> Iterator[dict[str, Any]]:
        seen: set[tuple[int, int]] = set()
        for n in range(self.claims // 20):
            rng = self._rng("relation", n)
            a, b = rng.sample(range(self.claims), 2)
            if (a, b) in seen:
                continue
            seen.add((a, b))
            yield {
                "type": "claim_relation",
                "key": f"r{n}",
                "claim": f"c{a}",
                "related": f"c{b}",
                "kind": RELATION_KINDS[n % len(RELATION_KINDS)],
            }

    # -- stances --------------------------------------------------------------------------

    def stance(self, i: int) -> dict[str, Any]:
        rng = self._rng("stance", i)
        rank = bisect.bisect_left(self._zipf, rng.random() * self._zipf[-1])
        claim = self._claim_of_rank[min(rank, self.claims - 1)]
        source = rng.randrange(self.sources)
        label, band = LABELS[i % len(LABELS)] if i < len(LABELS) else _weighted_label(rng)
        record: dict[str, Any] = {
            "type": "stance",
            "key": f"t{i}",
            "claim": f"c{claim}",
            "actor": f"a{rng.randrange(self.actors)}",
            "source": f"s{source}",
            "label": label,
        }
        if band is not None and rng.random() < 0.3:
            record["probability"] = round(rng.uniform(*band), 2)
        if rng.random() < 0.2:
            record["confidence"] = rng.choice(["low", "moderate", "high"])
        text = self.source_text(source)
        if text is not None and rng.random() < 0.7:
            words = text.split(" ")
            start = rng.randrange(len(words) - 4)
            quote = " ".join(words[start : start + rng.randint(3, 8)])
            record["quote"] = quote.replace("'", "\u2019") if rng.random() < 0.2 else quote
        elif text is None and rng.random() < 0.5:
            record["quote"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10)))
        stated = self.source_published(source)
        if rng.random() < 0.5:
            stated = START + timedelta(minutes=rng.randint(0, 700 * 24 * 60))
            record["stated_at"] = stated
        if stated is not None and rng.random() < 0.02:
            record["retracted_at"] = stated + timedelta(days=rng.randint(1, 90))
            if rng.random() < 0.5:
                record["retraction_source"] = f"s{rng.randrange(self.sources)}"
        return record

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, in dependency order."""
        yield from (self.actor(i) for i in range(self.actors))
        yield from self.affiliations()
        yield from (self.source(i) for i in range(self.sources))
        yield from self.citations()
        yield from (self.claim(i) for i in range(self.claims))
        yield from self.relations()
        yield from self.distinct_stances()

    def distinct_stances(self) -> Iterator[dict[str, Any]]:
        """The stances, each with a natural key (claim, actor, source, label, quote) of its
        own: a stance drawn twice is given to the next actor instead, as the service refuses
        the same stance twice."""
        seen: set[int] = set()
        for i in range(self.stances):
            record = self.stance(i)
            while True:
                natural = (record["claim"], record["actor"], record["source"], record["label"])
                key = hash((*natural, record.get("quote")))
                if key not in seen:
                    break
                record["actor"] = f"a{(int(record['actor'][1:]) + 1) % self.actors}"
            seen.add(key)
            yield record


def _weighted_label(rng: random.Random) -> tuple[str, tuple[float, float] | None]:
    return LABELS[bisect.bisect_right(LABEL_WEIGHTS, rng.randrange(LABEL_WEIGHTS[-1]))]


def records(stances: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """The dataset's records, in dependency order."""
    return Dataset(stances, seed).records()


def write(out: BinaryIO, stances: int, seed: int = 1) -> int:
    """Write the dataset as NDJSON; returns the number of lines."""
    n = 0
    buffer = bytearray()
    for record in records(stances, seed):
        buffer += orjson.dumps(record, option=orjson.OPT_UTC_Z) + b"\n"
        n += 1
        if len(buffer) > 1 << 20:
            out.write(buffer)
            buffer.clear()
    out.write(buffer)
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stances", type=int, default=10_000, help="number of stances")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = parser.parse_args()
    if args.output:
        with open(args.output, "wb") as out:
            lines = write(out, args.stances, args.seed)
        print(f"{lines} records written to {args.output}", file=sys.stderr)
    else:
        write(sys.stdout.buffer, args.stances, args.seed)


if __name__ == "__main__":
    main()
