"""Finding a stance's quote in its source's text (a W3C TextQuoteSelector with a position)."""

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


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """`text` with typographic variants folded and whitespace runs collapsed to one space,
    and for each character of the result, its index in `text`."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        out.append(ch)
        index.append(i)
    return "".join(out), index


def locate_quote(text: str, quote: str) -> QuoteSpan | None:
    """The first place `quote` occurs in `text`: verbatim, else ignoring differences of
    typographic quotes, dashes and whitespace. None if it does not occur."""
    start = text.find(quote)
    if start >= 0:
        end = start + len(quote)
    else:
        folded_text, index = _folded_with_map(text)
        folded_quote = " ".join(quote.translate(_FOLD).split())
        if not folded_quote:
            return None
        at = folded_text.find(folded_quote)
        if at < 0:
            return None
        start = index[at]
        end = index[at + len(folded_quote) - 1] + 1
    return QuoteSpan(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
    )
