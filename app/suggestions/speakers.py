"""Naming a speaker: the keys to look an actor up by, and, for one not found, a name and the
kind the words give.

Case, leading determiners (`the Kremlin`), titles (`South Korean Defense Minister Kim
Yong-hyun` → `Kim Yong-hyun`) and possessives (`Russia's`) are ignored in the keys. An unnamed
spokesperson stands for the organization (`a spokeswoman for the foreign ministry` → the
foreign ministry, a government); a named one is a person.
"""

import re
from dataclasses import dataclass

from app.suggestions.lexicon import Lexicon
from app.vocabulary import ActorKind

SPOKESPERSON_FOR = re.compile(
    r"^(?:a |an |the )?(?:spokes(?:man|woman|person)|press secretary|representative)"
    r"\s+(?:for|of|at)\s+(?P<org>.+)$",
    re.IGNORECASE,
)
SPOKESPERSON_OF = re.compile(
    r"^(?P<org>.+?)(?:'s)?\s+(?:spokes(?:man|woman|person)|press secretary)"
    r"(?:\s+(?P<name>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*))?$"
)
# The order kinds are tried in: a collective head (`officials`) wins over the place it is in.
KIND_ORDER = (
    ActorKind.fact_checker,
    ActorKind.media,
    ActorKind.group,
    ActorKind.military,
    ActorKind.agency,
    ActorKind.government,
    ActorKind.organization,
)
NAME_PART = re.compile(r"^[A-Z][\w.'-]*$")


@dataclass(frozen=True, slots=True)
class Naming:
    """How to look a speaker up (folded keys, best first), and what to propose if absent."""

    name: str
    keys: tuple[str, ...]
    kind: ActorKind | None


def fold(text: str) -> str:
    """As `app.actors.service.fold` keys names, with typographic apostrophes made plain."""
    return " ".join(text.replace("\u2019", "'").casefold().split())


def _strip_determiners(phrase: str, lex: Lexicon) -> str:
    words = phrase.split()
    while len(words) > 1 and words[0].lower() in lex.determiners:
        words = words[1:]
    return " ".join(words)


def _without_possessives(phrase: str) -> str:
    return re.sub(r"(?<=\w)['\u2019]s\b", "", phrase)


def _person(phrase: str, lex: Lexicon) -> str | None:
    """The name after the last title in `phrase`, if it is all capitalized words."""
    found = list(lex.titles.finditer(phrase))
    if not found:
        return None
    last = found[-1]
    rest = phrase[last.end() :].strip()
    parts = rest.split()
    if parts and all(NAME_PART.match(p) for p in parts):
        return rest
    return None


def guess_kind(phrase: str, lex: Lexicon) -> ActorKind | None:
    """The kind of actor the words say, if they say one."""
    patterns = dict(lex.kinds)
    for kind in KIND_ORDER:
        if kind in patterns and patterns[kind].search(phrase):
            return kind
    parts = phrase.split()
    if 2 <= len(parts) <= 4 and all(NAME_PART.match(p) for p in parts):
        return ActorKind.person
    return None


def naming(phrase: str, lex: Lexicon) -> Naming:
    """The keys and proposal for a speaker phrase."""
    phrase = " ".join(phrase.replace("\u2019", "'").strip(" \"'.,;:").split())
    bare = _strip_determiners(phrase, lex)
    keys = [phrase, bare, _without_possessives(bare)]
    name, kind = bare, guess_kind(bare, lex)
    spokesperson = SPOKESPERSON_FOR.match(bare) or SPOKESPERSON_OF.match(bare)
    person = _person(bare, lex)
    if spokesperson and spokesperson.groupdict().get("name"):
        name, kind = spokesperson.group("name"), ActorKind.person
    elif spokesperson:
        org = _strip_determiners(spokesperson.group("org"), lex)
        name, kind = org, guess_kind(org, lex) or ActorKind.organization
    elif person:
        name, kind = person, ActorKind.person
    keys.insert(0, name)
    keys.append(_without_possessives(name))
    folded = tuple(dict.fromkeys(fold(k) for k in keys if k))
    return Naming(name[:1].upper() + name[1:], folded, kind)
