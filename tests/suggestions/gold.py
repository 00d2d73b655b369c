"""Scoring suggestions against hand-entered stances: precision and recall of sets."""

from collections.abc import Iterable
from typing import Any

Pair = tuple[str, str]
Triple = tuple[str, str, str]


def precision_recall(found: set[Any], gold: set[Any]) -> tuple[float, float]:
    """(precision, recall) of `found` against `gold`; an empty `found` has precision 0."""
    hits = len(found & gold)
    return (hits / len(found) if found else 0.0, hits / len(gold) if gold else 1.0)


def triples(items: Iterable[dict[str, Any]], key_of: dict[str, str]) -> set[Triple]:
    """(actor, claim, side) of each suggestion; an actor or claim that is not an existing
    record counts under its proposed name (so never as a hit against records)."""
    out = set()
    for item in items:
        actor = key_of.get(str(item["speaker"]["actor_id"]), f"new:{item['speaker']['name']}")
        claim = key_of.get(str(item["claim"]["claim_id"]), f"new:{item['claim']['statement']}")
        out.add((actor, claim, item["side"]))
    return out


def pairs(found: set[Triple]) -> set[Pair]:
    """(actor, side) of each triple."""
    return {(actor, side) for actor, _, side in found}
