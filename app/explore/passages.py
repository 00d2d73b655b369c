"""A source's text cut at the edges of every quote the stances located in it, so that each
quoted passage can be highlighted and linked to its stances; quotes may overlap or repeat."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from app.explore.views import StanceView
from app.vocabulary import StanceSide


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of the text that the same stances quote (none for plain text)."""

    text: str
    stances: tuple[StanceView, ...]  # the stances quoting it, in the order they were said
    starts: tuple[uuid.UUID, ...]  # stances whose quote begins here (anchors `quote-<id>`)

    @property
    def sides(self) -> list[StanceSide]:
        """The sides of the stances quoting it, each once, in the vocabulary's order."""
        present = {s.side for s in self.stances}
        return [side for side in StanceSide if side in present]

    @property
    def words(self) -> str:
        """Who says what in this passage, for its tooltip."""
        return "; ".join(f"{s.actor}: {s.words}" for s in self.stances)


def passages(text: str, stances: list[StanceView]) -> list[Passage]:
    """The text as passages: cut wherever a located quote starts or ends."""
    located = sorted(
        (
            s
            for s in stances
            if s.quote_start is not None
            and s.quote_end is not None
            and 0 <= s.quote_start < s.quote_end <= len(text)
        ),
        key=lambda s: (s.at, str(s.id)),
    )
    starts: dict[int, list[StanceView]] = defaultdict(list)
    ends: dict[int, list[StanceView]] = defaultdict(list)
    for s in located:
        assert s.quote_start is not None
        assert s.quote_end is not None
        starts[s.quote_start].append(s)
        ends[s.quote_end].append(s)
    order = {s.id: i for i, s in enumerate(located)}
    edges = sorted({0, len(text), *starts, *ends})
    active: dict[uuid.UUID, StanceView] = {}
    out = []
    for start, end in pairwise(edges):
        for s in ends.get(start, ()):
            del active[s.id]
        for s in starts.get(start, ()):
            active[s.id] = s
        covering = tuple(sorted(active.values(), key=lambda s: order[s.id]))
        out.append(Passage(text[start:end], covering, tuple(s.id for s in starts.get(start, ()))))
    return out
