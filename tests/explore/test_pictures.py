"""The pictures and the source's passages as pure functions: marks, stacking, escaping, and
quotes that overlap or repeat."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from app.explore.chain import MAX_NODES, ChainSide, Node, provenance_chain
from app.explore.passages import passages
from app.explore.svg import sides_bar
from app.explore.timeline import TimelineMark, timeline
from app.explore.views import StanceView
from app.vocabulary import StanceSide

DAY = datetime(2024, 10, 10, tzinfo=UTC)


def mark(side: StanceSide, at: datetime, **over: object) -> TimelineMark:
    fields: dict[str, object] = {
        "stance_id": str(uuid.uuid4()),
        "side": side,
        "at": at,
        "retracted_at": None,
        "words": "Someone: said",
        "changed": False,
        **over,
    }
    return TimelineMark(**fields)  # type: ignore[arg-type]


def stance(start: int, end: int, side: StanceSide = StanceSide.support) -> StanceView:
    return StanceView(
        id=uuid.uuid4(),
        side=side,
        label="asserted",
        words="asserted",
        probability=None,
        band=None,
        confidence=None,
        actor_id=uuid.uuid4(),
        actor="A",
        actor_kind="person",
        claim_id=uuid.uuid4(),
        statement="S",
        source_id=uuid.uuid4(),
        source="T",
        outlet=None,
        at=DAY,
        stated_at=DAY,
        retracted_at=None,
        quote="q",
        before="",
        after="",
        quote_start=start,
        quote_end=end,
    )


class TestTimeline:
    def test_one_mark_per_stance_in_its_sides_shape(self) -> None:
        marks = [mark(StanceSide.support, DAY)] * 3 + [
            mark(StanceSide.dispute, DAY + timedelta(days=30), retracted_at=DAY + timedelta(40))
        ]
        svg = timeline(marks)
        assert svg.count('<g class="mark side-support"') == 3
        assert svg.count("<circle") == 3
        assert svg.count('<g class="mark side-dispute retracted"') == 1
        assert svg.count('class="retraction"') == 1
        assert 'aria-labelledby="timeline-title"' in svg
        assert "4 stances" in svg
        assert "1 retracted" in svg

    def test_marks_said_together_stack_instead_of_hiding_each_other(self) -> None:
        svg = timeline([mark(StanceSide.support, DAY) for _ in range(4)])
        ys = {float(y) for y in re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', svg)}
        assert len(ys) == 4

    def test_words_are_escaped(self) -> None:
        svg = timeline([mark(StanceSide.neutral, DAY, words="<script>x</script> & co")])
        assert "<script>" not in svg
        assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in svg

    def test_no_stances_is_said_in_words(self) -> None:
        assert "no stances" in timeline([])


class TestSidesBar:
    def test_parts_in_proportion_with_patterns_beyond_colour(self) -> None:
        svg = sides_bar({StanceSide.support: 3, StanceSide.neutral: 0, StanceSide.dispute: 1})
        widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="4" width="([^"]+)"', svg)]
        assert widths == [540.0, 180.0]
        assert 'fill="url(#sb-dispute)"' in svg
        assert "support 3, neutral 0, dispute 1" in svg


class TestProvenanceChain:
    def test_a_side_with_more_speakers_than_fit_counts_the_rest(self) -> None:
        chain = ChainSide(StanceSide.support, 1)
        chain.outlets["o"] = Node("o", "Outlet", "Outlet", "/explore/sources/o")
        chain.origins["p"] = Node("p", "Primary", "Primary", "/explore/sources/p")
        for i in range(MAX_NODES + 3):
            chain.speakers[f"s{i}"] = Node(f"s{i}", f"Speaker {i}", "", f"/explore/actors/{i}")
            chain.reported.add(("o", f"s{i}"))
            chain.derived.add((f"s{i}", "p"))
        svg = provenance_chain([chain])
        assert svg.count('class="node speaker side-support"') == MAX_NODES
        assert "and 3 more" in svg
        assert svg.count('class="edge reported side-support"') == MAX_NODES
        assert "15 speakers, 1 independent origin" in svg


class TestPassages:
    def test_overlapping_and_repeated_quotes_cut_the_text_at_every_edge(self) -> None:
        text = "0123456789"
        a, b, c = stance(2, 6), stance(4, 8, StanceSide.dispute), stance(2, 6)
        cut = passages(text, [a, b, c])
        assert "".join(p.text for p in cut) == text
        assert [(p.text, {s.id for s in p.stances}) for p in cut] == [
            ("01", set()),
            ("23", {a.id, c.id}),
            ("45", {a.id, b.id, c.id}),
            ("67", {b.id}),
            ("89", set()),
        ]
        assert set(cut[1].starts) == {a.id, c.id}
        assert cut[2].sides == [StanceSide.support, StanceSide.dispute]

    def test_a_span_outside_the_text_is_left_unmarked(self) -> None:
        cut = passages("short", [stance(3, 99)])
        assert [p.text for p in cut] == ["short"]
        assert cut[0].stances == ()
