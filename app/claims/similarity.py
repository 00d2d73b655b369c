"""How alike a text and a claim's statement are: one score, 0-1, computed here in Python.

The databases only find candidates (full text and trigrams, see `similar.py`); every candidate
is scored by this module, so SQLite and PostgreSQL give the same scores and the same order.

The score is 0.75 x the cosine of the two texts' *terms* + 0.25 x the Jaccard index of their
*trigrams*:
- terms: the content words (function words and stance words such as `said` or `reportedly`
  left out), demonyms folded to their country (`Korean` → `korea`), a few irregular verbs and
  news synonyms folded (`soldiers`, `personnel` → `troop`; `sold`, `sales` → `sell`), then
  Snowball (Porter 2) stemmed, as PostgreSQL's `english` configuration stems;
- trigrams: pg_trgm's, of each lower-cased word padded with two spaces before and one after,
  which forgive misspellings and inflections the terms miss.
"""

import re
import unicodedata
from functools import lru_cache
from math import sqrt

import snowballstemmer

TERM_WEIGHT = 0.75
TRIGRAM_WEIGHT = 0.25


def word_set(words: str) -> frozenset[str]:
    """The words of a space-separated list."""
    return frozenset(words.split())


# Words that say nothing of what a claim is about: function words, and the stance words the
# suggestions read as cues (the claim is the same whoever denies or confirms it).
STOPWORDS = word_set(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can cannot could did do does doing down during
    each few for from further had has have having he her here hers him his how i if in into
    is it its itself just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where which while
    who whom why will with would you your yes may might must shall also already still yet
    said says say saying told stated states claims claimed claim insists insisted reportedly
    allegedly according reports reported report confirmed confirms confirm denied denies
    deny likely unlikely probably possibly possible highly almost certainly believes
    believed suggests suggested suggest suggesting warned warns warn added officials say
    sources"""
)
# Adjectives of nationality, folded to their country so "Korean" and "Korea" meet.
DEMONYMS = {
    "korean": "korea",
    "koreans": "korea",
    "russian": "russia",
    "russians": "russia",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "american": "america",
    "americans": "america",
    "chinese": "china",
    "japanese": "japan",
    "iranian": "iran",
    "syrian": "syria",
    "israeli": "israel",
    "palestinian": "palestine",
    "british": "britain",
    "french": "france",
    "german": "germany",
    "polish": "poland",
    "belarusian": "belarus",
    "turkish": "turkey",
    "indian": "india",
    "pakistani": "pakistan",
    "afghan": "afghanistan",
    "iraqi": "iraq",
    "european": "europe",
    "vietnamese": "vietnam",
    "taiwanese": "taiwan",
    "georgian": "georgia",
    "moldovan": "moldova",
    "lebanese": "lebanon",
    "yemeni": "yemen",
    "saudi": "saudi",
    "egyptian": "egypt",
    "african": "africa",
    "asian": "asia",
}
# Irregular forms and news synonyms, folded before stemming.
FOLDS = {
    "sent": "send",
    "sold": "sell",
    "sale": "sell",
    "sales": "sell",
    "gave": "give",
    "given": "give",
    "took": "take",
    "taken": "take",
    "fought": "fight",
    "built": "build",
    "bought": "buy",
    "brought": "bring",
    "met": "meet",
    "held": "hold",
    "left": "leave",
    "began": "begin",
    "begun": "begin",
    "soldier": "troop",
    "soldiers": "troop",
    "troops": "troop",
    "personnel": "troop",
    "servicemen": "troop",
    "infantrymen": "troop",
    "weapons": "weapon",
    "weaponry": "weapon",
    "arms": "weapon",
    "armaments": "weapon",
    "hardware": "weapon",
    "shells": "ammunition",
    "shell": "ammunition",
    "ammo": "ammunition",
    "munitions": "ammunition",
    "died": "kill",
    "dead": "kill",
    "killed": "kill",
    "kills": "kill",
    "help": "assist",
    "helping": "assist",
    "helped": "assist",
    "aid": "assist",
    "aiding": "assist",
    "calibre": "caliber",
}
WORD = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*")
# Parts of a hyphenated code (KN-23, Iskander-M, F-16) are also joined into one term.
CODE_PART = re.compile(r"^(?:\d+|[^\W\d_])$")
_stemmer = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, possessive `'s` dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    out = []
    for word in WORD.findall(folded):
        if word.endswith("'s"):
            word = word[:-2]
        out.append(word)
    return out


@lru_cache(maxsize=65_536)
def _term(word: str) -> str:
    word = FOLDS.get(word, word)
    return _stem(DEMONYMS.get(word, word))


def _word_terms(word: str) -> list[str]:
    parts = [p for p in re.split(r"[-.'\u2019]", word) if p]
    out = [_term(p) for p in parts if p not in STOPWORDS]
    if len(parts) > 1 and any(CODE_PART.match(p) for p in parts):
        out.append("".join(parts))
    return out


@lru_cache(maxsize=65_536)
def terms(text: str) -> frozenset[str]:
    """The stemmed content words of `text`."""
    return frozenset(t for w in words(text) if w not in STOPWORDS for t in _word_terms(w))


@lru_cache(maxsize=65_536)
def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams of `text`: each word padded with two spaces before, one after."""
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def cosine(a: frozenset[str], b: frozenset[str]) -> float:
    """The cosine of two sets as binary vectors: shared / sqrt(|a| x |b|)."""
    if not a or not b:
        return 0.0
    return len(a & b) / sqrt(len(a) * len(b))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared over all."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def similarity(text: str, statement: str) -> float:
    """How alike `text` and `statement` are, 0-1 (4 decimals)."""
    score = TERM_WEIGHT * cosine(terms(text), terms(statement))
    score += TRIGRAM_WEIGHT * jaccard(trigrams(text), trigrams(statement))
    return round(min(score, 1.0), 4)


def search_terms(text: str) -> list[str]:
    """The distinct content words of `text` as typed (not stemmed), for a full-text query."""
    seen: dict[str, None] = {}
    for word in re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold()):
        if word not in STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


def stems(text: str) -> list[str]:
    """The distinct stems of `text`'s content words (demonyms folded to their country), three
    letters or more: substrings for a trigram search."""
    seen: dict[str, None] = {}
    for word in search_terms(text):
        stem = _stem(DEMONYMS.get(word, word))
        if len(stem) >= 3:
            seen.setdefault(stem, None)
    return list(seen)


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))
