"""Hand-written gold sentences (gold_sentences.json): every label, negation, hedge and
attribution pattern. Per-label precision and recall are printed (`pytest -s`) and reported in
docs/suggestions.md; the test holds the overall figures."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from app.vocabulary import StanceLabel

GOLD = Path(__file__).with_name("gold_sentences.json")
TEXT_VOICE = "(text)"
Found = set[tuple[int, str, int, str]]


def _speaker(name: str) -> str:
    words = name.replace("\u2019", "'").casefold().split()
    return " ".join(words[1:] if words and words[0] == "the" else words)


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(GOLD.read_text("utf-8"))["cases"]
    return cases


async def _found(client: httpx.AsyncClient, n: int, case: dict[str, Any]) -> Found:
    r = await client.post("/v1/suggestions", json={"text": case["text"], "claims": case["claims"]})
    assert r.status_code == 200, r.text
    out = set()
    for item in r.json()["items"]:
        who = TEXT_VOICE if item["speaker"]["voice"] == "source" else item["speaker"]["name"]
        claim = case["claims"].index(item["claim"]["statement"])
        out.add((n, _speaker(who), claim, item["label"]))
    return out


def _table(found: Found, gold: Found) -> tuple[str, int, int, int]:
    rows = ["| label | gold | found | right | precision | recall |", "|---|---|---|---|---|---|"]
    hits = found & gold
    by_found = Counter(f[3] for f in found)
    by_gold = Counter(g[3] for g in gold)
    by_hit = Counter(h[3] for h in hits)
    for label in StanceLabel:
        g, f, h = by_gold[label], by_found[label], by_hit[label]
        p = f"{h / f:.2f}" if f else "\u2013"
        r = f"{h / g:.2f}" if g else "\u2013"
        rows.append(f"| `{label.value}` | {g} | {f} | {h} | {p} | {r} |")
    total = (
        f"| all | {len(gold)} | {len(found)} | {len(hits)} | {len(hits) / len(found):.2f} "
        f"| {len(hits) / len(gold):.2f} |"
    )
    return "\n".join([*rows, total]), len(gold), len(found), len(hits)


async def test_gold_sentences_per_label(client: httpx.AsyncClient) -> None:
    cases = _cases()
    assert len(cases) >= 60
    covered = {c for case in cases for c in case["covers"]}
    assert {label.value for label in StanceLabel} <= covered
    found: Found = set()
    gold: Found = {
        (n, _speaker(e["speaker"]), e["claim"], e["label"])
        for n, case in enumerate(cases)
        for e in case["expect"]
    }
    for n, case in enumerate(cases):
        found |= await _found(client, n, case)
    table, n_gold, n_found, n_hits = _table(found, gold)
    misses = sorted((cases[g[0]]["text"][:60], g[1:]) for g in gold - found)
    wrong = sorted((cases[f[0]]["text"][:60], f[1:]) for f in found - gold)
    print(f"\n{table}\nmissed: {misses}\nwrong: {wrong}")
    assert n_hits / n_found >= 0.8, table
    assert n_hits / n_gold >= 0.75, table
