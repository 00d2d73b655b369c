"""locate_quote: finding a stance's quote in its source's text."""

from app.stances.quotes import CONTEXT, locate_quote

TEXT = (
    "In a surprising development, North Korean military personnel have reportedly joined "
    "Russian forces in Ukraine. South Korean Defense Minister Kim Yong-hyun has stated that "
    "it is \u201chighly likely\u201d that North Korean military personnel are assisting "
    "Russian forces \u2014 and some may already be in combat zones.\nNorth Korea\u2019s "
    "KN-23   ballistic\n\nmissiles have been a crucial part of Russia\u2019s offensive."
)


class TestLocateQuote:
    def test_verbatim(self) -> None:
        quote = "North Korean military personnel have reportedly joined Russian forces"
        span = locate_quote(TEXT, quote)
        assert span is not None
        assert span.start == TEXT.index(quote)
        assert span.end == span.start + len(quote)
        assert span.exact == quote
        assert TEXT[span.start : span.end] == quote

    def test_first_occurrence_wins(self) -> None:
        span = locate_quote(TEXT, "Russian forces")
        assert span is not None
        assert span.start == TEXT.index("Russian forces")

    def test_straight_quotes_match_curly(self) -> None:
        span = locate_quote(TEXT, 'it is "highly likely" that')
        assert span is not None
        assert span.exact == "it is \u201chighly likely\u201d that"
        assert TEXT[span.start : span.end] == span.exact

    def test_apostrophe_and_dash_folding(self) -> None:
        span = locate_quote(TEXT, "Russian forces - and some")
        assert span is not None
        assert span.exact == "Russian forces \u2014 and some"
        span = locate_quote(TEXT, "North Korea's KN-23")
        assert span is not None
        assert span.exact == "North Korea\u2019s KN-23"

    def test_whitespace_runs_collapse(self) -> None:
        span = locate_quote(TEXT, "KN-23 ballistic missiles have been")
        assert span is not None
        assert span.exact == "KN-23   ballistic\n\nmissiles have been"
        assert TEXT[span.start : span.end] == span.exact
        span = locate_quote(TEXT, "  combat   zones.  North  ")
        assert span is not None
        assert span.exact == "combat zones.\nNorth"

    def test_not_found_is_none(self) -> None:
        assert locate_quote(TEXT, "North Korea denied everything") is None
        assert locate_quote(TEXT, "highly unlikely") is None

    def test_blank_quote_is_none(self) -> None:
        assert locate_quote(TEXT, "   \n ") is None

    def test_context_is_at_most_32_characters(self) -> None:
        span = locate_quote(TEXT, "Kim Yong-hyun")
        assert span is not None
        assert CONTEXT == 32
        assert len(span.prefix) == 32
        assert len(span.suffix) == 32
        assert span.prefix == TEXT[span.start - 32 : span.start]
        assert span.suffix == TEXT[span.end : span.end + 32]

    def test_context_shrinks_at_the_edges(self) -> None:
        span = locate_quote(TEXT, "In a surprising")
        assert span is not None
        assert span.start == 0
        assert span.prefix == ""
        tail = locate_quote(TEXT, "offensive.")
        assert tail is not None
        assert tail.end == len(TEXT)
        assert tail.suffix == ""
        assert tail.prefix == TEXT[tail.start - 32 : tail.start]

    def test_span_indexes_the_original_text_after_folding(self) -> None:
        # Folding and collapsing shift positions; the span must still index the original.
        text = "A\u00a0\u00a0 \u201cquoted\u201d   word \u2013 here and after."
        span = locate_quote(text, '"quoted" word - here')
        assert span is not None
        assert text[span.start : span.end] == span.exact
        assert span.exact == "\u201cquoted\u201d   word \u2013 here"
        assert span.prefix == text[: span.start]
        assert span.suffix == text[span.end :]
