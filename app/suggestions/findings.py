"""What the rules find in a sentence, before any database is asked: who (a phrase of the text,
or the text's own voice), which label and why, and which words to match claims with."""

import bisect
from dataclasses import dataclass, field
from typing import Literal

from app.suggestions.lexicon import Cue, Lexicon
from app.suggestions.text import FOLD, Sentence, Token, tokens
from app.vocabulary import Confidence, StanceLabel

Voice = Literal["quoted", "source"]


@dataclass(frozen=True, slots=True)
class CueHit:
    """A cue found in a sentence: tokens [i, j) and characters [start, end)."""

    cue: Cue
    i: int
    j: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who speaks, as the text names them: a phrase and where it is."""

    phrase: str
    start: int
    end: int
    pronoun: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """A stretch of text a stance may be about: the quote it would carry, and the words to
    find its claim with (the quote, or the quote with its clause's subject before it)."""

    start: int
    end: int
    match_text: str


@dataclass(slots=True)
class Finding:
    """One candidate stance. `plain` findings (the text's own statements without any cue) are
    kept only where their words match an existing claim closely; `targets` beyond the first
    are other readings of the same words, of which the best-matching one is kept."""

    rule: str
    voice: Voice
    speakers: list[Speaker]
    label: StanceLabel
    cues: list[str]
    targets: list[Target]
    strength: float
    plain: bool = False
    refers_to: list["Finding"] = field(default_factory=list)
    flip: bool = False
    probability: float | None = None
    confidence: Confidence | None = None
    sentence: tuple[int, int] = (0, 0)


class Context:
    """One sentence being read: its text, tokens and cues."""

    def __init__(self, text: str, folded: str, lexicon: Lexicon, sentence: Sentence) -> None:
        self.text = text
        self.folded = folded
        self.lex = lexicon
        self.sentence = sentence
        self.toks: list[Token] = tokens(folded, sentence.start, sentence.end)
        self._starts = [t.start for t in self.toks]
        self.hits: list[CueHit] = self._cue_hits()

    def index_at(self, offset: int) -> int:
        """The index of the first token starting at or after `offset`."""
        return bisect.bisect_left(self._starts, offset)

    def _cue_hits(self) -> list[CueHit]:
        hits = []
        first = self.toks[0].start if self.toks else 0
        for match in self.lex.cue_pattern.finditer(
            self.folded, self.sentence.start, self.sentence.end
        ):
            phrase = match.group()
            # Cues are common words: capitalized inside a sentence, they are part of a name
            # ("United States", "May").
            if match.start() != first and any(ch.isupper() for ch in phrase):
                continue
            i = self.index_at(match.start())
            j = self.index_at(match.end())
            hits.append(CueHit(self.lex.cue(phrase), i, j, match.start(), match.end(), phrase))
        return hits

    def words(self, i: int, j: int) -> str:
        """The original text of tokens [i, j)."""
        if i >= j:
            return ""
        return self.text[self.toks[i].start : self.toks[j - 1].end]


def fold(text: str) -> str:
    """`text` with typographic quotes and dashes as ASCII, offsets unchanged."""
    return text.translate(FOLD)
