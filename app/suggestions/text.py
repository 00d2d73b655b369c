"""Splitting a text into paragraphs, sentences and word tokens, keeping every offset.

Plain rules, no model: a line is a paragraph; a short line without closing punctuation is a
heading (the first one is the title); a sentence ends at `.`, `!`, `?` or `…` (and any closing
quote or bracket) before a space and a capital, a digit or an opening quote, unless the word
before the point is a known abbreviation or an initial.
"""

import itertools
import re
from dataclasses import dataclass
from typing import Literal

from app.claims.similarity import word_set

Kind = Literal["title", "heading", "question", "body"]
# Typographic marks folded to ASCII, one character for one, so that offsets stay put.
FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)
QUOTES = frozenset('"\u201c\u201d\u201e\u00ab\u00bb')
OPENING_QUOTES = frozenset("\u201c\u201e\u00ab")
CLOSING_QUOTES = frozenset("\u201d\u00bb")
ABBREVIATIONS = word_set(
    """mr mrs ms dr prof gen lt col maj capt adm sgt sen rep gov st no vs etc jan feb mar apr
    jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e inc corp ltd co jr sr approx est"""
)
SENTENCE_END = re.compile(r"[.!?…]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])")
NUMBERING = re.compile(r"^\s*(?:\d{1,3}|[a-z])[.)]\s+")
CLOSED = re.compile(r"[.!?…:;][\"'\u201d\u2019)\]]*\s*$")
HEADING_WORDS = 20
TOKEN = re.compile(r"\w+(?:[-'\u2019.]\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence (or heading) of a text: [start, end) in the text, and its paragraph."""

    start: int
    end: int
    paragraph: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class Token:
    """A word or a punctuation mark, with its offsets in the text."""

    text: str
    lower: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] == "_"

    @property
    def capitalized(self) -> bool:
        return self.text[0].isupper()


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _splits(line: str) -> list[int]:
    """Offsets in `line` where a new sentence starts."""
    cuts = []
    for match in SENTENCE_END.finditer(line):
        before = line[: match.start()].rsplit(None, 1)
        word = before[-1].lower().strip("\"'\u201c\u2018(") if before else ""
        if match.group().startswith(".") and (
            word in ABBREVIATIONS or re.fullmatch(r"[a-z]", word)
        ):
            continue
        cuts.append(match.end())
    return cuts


def sentences(text: str) -> list[Sentence]:
    """The text's sentences and headings, in order."""
    out: list[Sentence] = []
    offset = 0
    paragraph = 0
    titled = False
    for line in text.splitlines(keepends=True):
        start, end = _trimmed(text, offset, offset + len(line))
        offset += len(line)
        if start == end:
            continue
        numbered = NUMBERING.match(text, start, end)
        if numbered:
            start = numbered.end()
        body = text[start:end]
        if not CLOSED.search(body) and len(body.split()) <= HEADING_WORDS:
            kind: Kind = "heading" if titled else "title"
            out.append(Sentence(start, end, paragraph, kind))
        elif not titled and body.endswith("?") and len(body.split()) <= HEADING_WORDS:
            out.append(Sentence(start, end, paragraph, "title"))
        else:
            cuts = [0, *_splits(body), len(body)]
            for a, b in itertools.pairwise(cuts):
                s, e = _trimmed(text, start + a, start + b)
                if s < e:
                    question = text[s:e].rstrip("\"'\u201d\u2019)").endswith("?")
                    out.append(Sentence(s, e, paragraph, "question" if question else "body"))
        titled = True
        paragraph += 1
    return out


def tokens(text: str, start: int, end: int) -> list[Token]:
    """The tokens of text[start:end]."""
    return [
        Token(m.group(), m.group().lower().replace("\u2019", "'"), m.start(), m.end())
        for m in TOKEN.finditer(text, start, end)
    ]
