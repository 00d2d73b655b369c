"""Finding a stance's quote in its source's text (a W3C TextQuoteSelector with a position)."""

import re
from dataclasses import dataclass

CONTEXT = 32  # characters of prefix/suffix kept around a quote

# Typographic variants a client is likely to type differently from the source.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """Where a quote sits in a text: [start, end) in characters, with context either side."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


_PAIRS = [(chr(source), target) for source, target in _FOLD.items()]


def _fold(text: str) -> str:
    """`text.translate(_FOLD)`, faster on a long text: `translate` looks each character up in
    the table, where `replace` scans in C for the few characters folded."""
    for source, target in _PAIRS:
        if source in text:
            text = text.replace(source, target)
    return text


def _word_start(text: str, word: int) -> int:
    """Where the `word`-th run of non-whitespace (from 0) begins in `text`; the regular
    expression skips the runs before it in C (its whitespace is what `str.isspace` says)."""
    found = re.compile(rf"\s*(?:\S+\s+){{{word}}}").match(text)
    assert found is not None  # the folded text has this many words: it was made of them
    return found.end()


def _find_folded(text: str, quote: str) -> tuple[int, int] | None:
    """[start, end) in `text` of the first place `quote` occurs once both have typographic
    variants folded and whitespace runs collapsed to one space, or None. Folding, collapsing
    and searching run in C (`str.replace`, `split`, `join`, `find`); a match is mapped back
    through the words before it (folding keeps every other character in place), where a loop
    over the text in Python cost tens of milliseconds on an article, for every quote not found
    verbatim."""
    folded_quote = " ".join(quote.translate(_FOLD).split())
    if not folded_quote:
        return None
    translated = _fold(text)  # one character for one: indices are kept
    folded = " ".join(translated.split())
    at = folded.find(folded_quote)
    if at < 0:
        return None

    def original(position: int) -> int:  # a non-space character's index in `text`
        word = folded.count(" ", 0, position)
        offset = position - (folded.rfind(" ", 0, position) + 1)
        return _word_start(translated, word) + offset

    return original(at), original(at + len(folded_quote) - 1) + 1


def locate_quote(text: str, quote: str) -> QuoteSpan | None:
    """The first place `quote` occurs in `text`: verbatim, else ignoring differences of
    typographic quotes, dashes and whitespace. None if it does not occur."""
    start = text.find(quote)
    if start >= 0:
        end = start + len(quote)
    else:
        found = _find_folded(text, quote)
        if found is None:
            return None
        start, end = found
    return QuoteSpan(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
    )
