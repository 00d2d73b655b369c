"""Property tests for the stance vocabulary: the bands partition [0, 1], every probability
fits one banded label (two exactly at a shared edge), and sides are consistent."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from app.vocabulary import (
    STANCE_LABELS,
    StanceLabel,
    StanceSide,
    labels_on,
    probability_problem,
    side_of,
)

BANDED = [info for info in STANCE_LABELS.values() if info.band is not None]
probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
SIDE_RANK = {StanceSide.support: 0, StanceSide.neutral: 1, StanceSide.dispute: 2}


class TestBands:
    def test_partition_of_the_unit_interval(self) -> None:
        bands = sorted((info.band for info in BANDED), key=lambda b: b.low)  # type: ignore[union-attr]
        assert bands[0].low == 0.0  # type: ignore[union-attr]
        assert bands[-1].high == 1.0  # type: ignore[union-attr]
        for lower, upper in itertools.pairwise(bands):
            assert lower.high == upper.low  # type: ignore[union-attr]
            assert lower.low < lower.high  # type: ignore[union-attr]

    @settings(max_examples=2000, derandomize=True)
    @given(probabilities)
    def test_every_probability_fits_one_or_two_labels(self, p: float) -> None:
        fitting = [info for info in BANDED if info.band.contains(p)]  # type: ignore[union-attr]
        assert 1 <= len(fitting) <= 2, (p, fitting)
        if len(fitting) == 2:  # only at the edge the two bands share
            a, b = fitting
            assert p in {a.band.low, a.band.high} & {b.band.low, b.band.high}  # type: ignore[union-attr]
        for info in fitting:
            assert probability_problem(info.label, p) is None

    @settings(max_examples=500, derandomize=True)
    @given(probabilities, st.sampled_from(BANDED))
    def test_problem_iff_outside_the_band(self, p: float, info: object) -> None:
        label = info.label  # type: ignore[attr-defined]
        inside = info.band.contains(p)  # type: ignore[attr-defined]
        assert (probability_problem(label, p) is None) == inside

    @given(probabilities, st.sampled_from([i.label for i in STANCE_LABELS.values() if not i.band]))
    def test_unbanded_labels_take_their_sides_probabilities(
        self, p: float, label: StanceLabel
    ) -> None:
        """Support at 0.5 or more, dispute at 0.5 or less, neutral an even chance."""
        side = side_of(label)
        low, high = {"support": (0.5, 1.0), "neutral": (0.45, 0.55), "dispute": (0.0, 0.5)}[side]
        assert (probability_problem(label, p) is None) == (low <= p <= high)

    @given(st.sampled_from(list(StanceLabel)))
    def test_no_probability_is_always_fine(self, label: StanceLabel) -> None:
        assert probability_problem(label, None) is None


class TestSides:
    @given(st.sampled_from(list(StanceLabel)))
    def test_side_of_agrees_with_labels_on(self, label: StanceLabel) -> None:
        side = side_of(label)
        assert label in labels_on(side)
        assert side_of(label.value) == side
        assert sum(label in labels_on(s) for s in StanceSide) == 1

    def test_order_runs_from_support_to_dispute(self) -> None:
        ranks = [SIDE_RANK[side_of(label)] for label in StanceLabel]
        assert ranks == sorted(ranks)

    @settings(max_examples=500, derandomize=True)
    @given(probabilities)
    def test_higher_probability_never_moves_towards_dispute(self, p: float) -> None:
        """The label fitting a probability is on a side no more disputing than for any lower
        probability."""
        lower = p / 2
        fit_p = min(SIDE_RANK[i.side] for i in BANDED if i.band.contains(p))  # type: ignore[union-attr]
        fit_lower = max(SIDE_RANK[i.side] for i in BANDED if i.band.contains(lower))  # type: ignore[union-attr]
        assert fit_p <= fit_lower
