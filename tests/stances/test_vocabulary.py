"""The stance vocabulary: GET /v1/vocabulary/stances and the bands' partition of [0, 1]."""

import itertools

import httpx
import pytest

from app.vocabulary import STANCE_LABELS, StanceLabel, probability_problem, side_of

DESIGN = [  # label, side, band: DESIGN.md's table, in its order
    ("confirmed", "support", (0.95, 1.00)),
    ("asserted", "support", None),
    ("highly_likely", "support", (0.80, 0.95)),
    ("likely", "support", (0.55, 0.80)),
    ("possible", "neutral", (0.45, 0.55)),
    ("reported", "neutral", None),
    ("no_comment", "neutral", None),
    ("questioned", "dispute", None),
    ("unlikely", "dispute", (0.20, 0.45)),
    ("highly_unlikely", "dispute", (0.05, 0.20)),
    ("denied", "dispute", (0.00, 0.05)),
]


class TestListStanceLabels:
    async def test_labels_sides_and_bands_match_design(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/vocabulary/stances")
        assert r.status_code == 200
        body = r.json()
        assert len(body) == 11
        assert [item["label"] for item in body] == [label for label, _, _ in DESIGN]
        for item, (label, side, band) in zip(body, DESIGN, strict=True):
            assert item["side"] == side, label
            if band is None:
                assert item["band"] is None, label
                assert item["midpoint"] is None, label
            else:
                assert item["band"] == {"low": band[0], "high": band[1]}, label
                assert item["midpoint"] == pytest.approx((band[0] + band[1]) / 2)
        assert [item["rank"] for item in body] == list(range(11))
        assert all(item["words"] and item["description"] for item in body)

    async def test_answers_the_module_vocabulary(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/v1/vocabulary/stances")).json()
        assert [item["label"] for item in body] == [label.value for label in STANCE_LABELS]
        assert {item["label"]: item["side"] for item in body} == {
            label.value: side_of(label).value for label in StanceLabel
        }


class TestBands:
    def test_banded_labels_partition_zero_to_one(self) -> None:
        bands = sorted(
            (info.band.low, info.band.high) for info in STANCE_LABELS.values() if info.band
        )
        assert len(bands) == 7
        assert bands[0][0] == 0.0
        assert bands[-1][1] == 1.0
        for (low, high), (next_low, _) in itertools.pairwise(bands):
            assert low < high
            assert high == next_low

    def test_every_probability_fits_some_banded_label(self) -> None:
        banded = [label for label, info in STANCE_LABELS.items() if info.band]
        for hundredths in range(101):
            p = hundredths / 100
            assert any(probability_problem(label, p) is None for label in banded), p

    @pytest.mark.parametrize(
        ("label", "fits", "refused"),
        [
            ("asserted", [0.5, 0.77, 1.0], [0.0, 0.3, 0.49]),
            ("questioned", [0.0, 0.2, 0.5], [0.51, 0.9, 1.0]),
            ("reported", [0.45, 0.5, 0.55], [0.0, 0.3, 0.9]),
            ("no_comment", [0.5], [0.1, 0.95]),
        ],
    )
    def test_unbanded_labels_take_their_sides_probabilities(
        self, label: str, fits: list[float], refused: list[float]
    ) -> None:
        for p in fits:
            assert probability_problem(label, p) is None, p
        for p in refused:
            problem = probability_problem(label, p)
            assert problem is not None
            assert "side" in problem
