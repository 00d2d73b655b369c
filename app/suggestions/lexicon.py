"""The cue lexicon: the words that decide a stance's label, and the word lists the rules read.

One JSON file per language in `cues/` (`en.json`), described in docs/suggestions.md. Each
label's words in `app.vocabulary` are the seed: the file gives each of them a role and adds
more words, so a word the vocabulary lists is never restated with its label. Adding a language
is adding a file; the rules themselves are English-shaped (subject before verb), so a language
that differs there needs rules of its own too.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal, TypedDict, cast

from app.vocabulary import STANCE_LABELS, ActorKind, Confidence, StanceLabel

Role = Literal["speech", "hedge", "report", "frame", "attribution"]
ROLES: tuple[Role, ...] = ("speech", "hedge", "report", "frame", "attribution")
DEFAULT_LANGUAGE = "en"


class UnknownLanguage(ValueError):
    """No cue lexicon for this language."""


@dataclass(frozen=True, slots=True)
class Cue:
    """A word or phrase that gives a label, and how it does (its role)."""

    phrase: str
    label: StanceLabel
    role: Role


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One pattern matching any of `phrases` as whole words, the longest first, spaces
    matching any run of spaces."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in ordered)
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Lexicon:
    """A language's cues and word lists, compiled."""

    language: str
    cues: dict[str, Cue]
    cue_pattern: re.Pattern[str]
    negators: frozenset[str]
    not_negating: re.Pattern[str]
    when_content_negated: dict[StanceLabel, StanceLabel]
    when_verb_negated: dict[StanceLabel, StanceLabel | None]
    verb_group: frozenset[str]
    boundaries: frozenset[str]
    relatives: frozenset[str]
    determiners: frozenset[str]
    titles: re.Pattern[str]
    reporting_nouns: frozenset[str]
    source_subjects: frozenset[str]
    pronouns: dict[str, ActorKind]
    spokesperson_words: frozenset[str]
    kinds: tuple[tuple[ActorKind, re.Pattern[str]], ...]
    group_words: frozenset[str]
    head_words: frozenset[str]
    title_words: frozenset[str]
    confidence: tuple[tuple[Confidence, re.Pattern[str]], ...]
    probability_words: frozenset[str]

    def cue(self, phrase: str) -> Cue:
        """The cue a matched phrase is (any spacing and case)."""
        return self.cues[" ".join(phrase.lower().split())]


class Negation(TypedDict):
    words: list[str]
    not_negating: list[str]


class LexiconFile(TypedDict):
    """A language file (`cues/<language>.json`) as JSON."""

    language: str
    about: str
    vocabulary_roles: dict[str, str]
    cues: dict[str, dict[str, list[str]]]  # label -> role -> phrases
    frames: dict[str, list[str]]  # label -> phrases
    negation: Negation
    when_content_negated: dict[str, str | None]
    when_verb_negated: dict[str, str | None]
    verb_group: list[str]
    boundaries: list[str]
    relatives: list[str]
    determiners: list[str]
    titles: list[str]
    reporting_nouns: list[str]
    source_subjects: list[str]
    pronouns: dict[str, str]
    spokesperson_words: list[str]
    kinds: dict[str, list[str]]
    confidence: dict[str, list[str]]
    probability_words: list[str]


def _cues(data: LexiconFile) -> dict[str, Cue]:
    roles = data["vocabulary_roles"]
    cues: dict[str, Cue] = {}
    for info in STANCE_LABELS.values():
        for word in info.words:
            if word not in roles:
                raise ValueError(f"the lexicon gives no role to the vocabulary's {word!r}")
            cues[word] = Cue(word, info.label, cast(Role, roles[word]))
    for label, by_role in data["cues"].items():
        for role, phrases in by_role.items():
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} for {label!r}")
            for phrase in phrases:
                cues.setdefault(phrase, Cue(phrase, StanceLabel(label), role))
    for label, phrases in data["frames"].items():
        for phrase in phrases:
            cues.setdefault(phrase, Cue(phrase, StanceLabel(label), "frame"))
    return cues


def _labels(mapping: dict[str, str | None]) -> dict[StanceLabel, StanceLabel | None]:
    return {StanceLabel(k): (StanceLabel(v) if v is not None else None) for k, v in mapping.items()}


def build(data: LexiconFile) -> Lexicon:
    """A compiled lexicon from a language file's contents."""
    cues = _cues(data)
    negation = data["negation"]
    kinds = tuple(
        (ActorKind(kind), _phrase_pattern(words)) for kind, words in data["kinds"].items()
    )
    content_negated = _labels(data["when_content_negated"])
    return Lexicon(
        language=data["language"],
        cues=cues,
        cue_pattern=_phrase_pattern(list(cues)),
        negators=frozenset(negation["words"]),
        not_negating=_phrase_pattern(negation["not_negating"]),
        when_content_negated={k: v for k, v in content_negated.items() if v is not None},
        when_verb_negated=_labels(data["when_verb_negated"]),
        verb_group=frozenset(data["verb_group"]),
        boundaries=frozenset(data["boundaries"]),
        relatives=frozenset(data["relatives"]),
        determiners=frozenset(data["determiners"]),
        titles=_phrase_pattern(data["titles"]),
        reporting_nouns=frozenset(data["reporting_nouns"]),
        source_subjects=frozenset(data["source_subjects"]),
        pronouns={k: ActorKind(v) for k, v in data["pronouns"].items()},
        spokesperson_words=frozenset(data["spokesperson_words"]),
        kinds=kinds,
        group_words=frozenset(data["kinds"]["group"]),
        head_words=frozenset(w.split()[-1] for words in data["kinds"].values() for w in words),
        title_words=frozenset(t.split()[-1].rstrip(".") for t in data["titles"]),
        confidence=tuple(
            (Confidence(level), _phrase_pattern(words))
            for level, words in data["confidence"].items()
        ),
        probability_words=frozenset(data["probability_words"]),
    )


@lru_cache(maxsize=1)
def languages() -> list[str]:
    """The languages that have a cue lexicon."""
    folder = resources.files("app.suggestions").joinpath("cues")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


@lru_cache(maxsize=8)
def _load(language: str) -> Lexicon:
    path = resources.files("app.suggestions").joinpath("cues").joinpath(f"{language}.json")
    return build(json.loads(path.read_text("utf-8")))


def lexicon_for(language: str | None) -> Lexicon:
    """The lexicon of a language tag (`en`, `en-GB`; None means English), or UnknownLanguage."""
    primary = (language or DEFAULT_LANGUAGE).split("-")[0].split("_")[0].lower()
    if primary not in languages():
        raise UnknownLanguage(f"no cue lexicon for language {language!r} (have: {languages()})")
    return _load(primary)
