"""The helpers the formats share: ids, times, the five-point scale, confidence, chunking."""

import uuid
from datetime import UTC, date, datetime

import pytest

from app.formats.common import (
    STRENGTH,
    as_uuid,
    chunked,
    iso,
    position_confidence,
    probability_from_confidence,
    uuid5_text,
)
from app.formats.stix_vocab import stix_time
from app.vocabulary import STANCE_LABELS, StanceLabel, StanceSide


@pytest.mark.parametrize("name", ["", "a", "0b8e1a52-3c2d-5f4e-8a7b-1d2c3e4f5a6b", "é" * 50])
def test_uuid5_text_is_uuid5(name: str) -> None:
    assert uuid5_text(uuid.NAMESPACE_URL, name) == str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def test_as_uuid_keeps_uuids_and_maps_other_keys_stably() -> None:
    value = "0b8e1a52-3c2d-5f4e-8a7b-1d2c3e4f5a6b"
    assert str(as_uuid(value)) == value
    assert as_uuid("my-key") == as_uuid("my-key") != as_uuid("other-key")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-10-10T00:00:00Z", "2024-10-10T00:00:00Z"),
        ("2024-10-10T02:00:00+02:00", "2024-10-10T00:00:00Z"),
        ("2024-09-06", "2024-09-06T00:00:00Z"),
        (datetime(2024, 10, 10, 1, 2, 3, tzinfo=UTC), "2024-10-10T01:02:03Z"),
        (date(2024, 9, 6), "2024-09-06T00:00:00Z"),
        (None, None),
    ],
)
def test_iso(value: object, expected: str | None) -> None:
    assert iso(value) == expected


def test_stix_time_has_milliseconds() -> None:
    assert stix_time("2024-10-10T00:00:00.123456Z") == "2024-10-10T00:00:00.123Z"
    assert stix_time(None) == "1970-01-01T00:00:00.000Z"


def test_scale_is_symmetric_and_follows_the_sides() -> None:
    for label, info in STANCE_LABELS.items():
        sign = {StanceSide.support: 1, StanceSide.neutral: 0, StanceSide.dispute: -1}[info.side]
        assert STRENGTH[label] * sign == abs(STRENGTH[label])
        assert (STRENGTH[label] == 0) == (sign == 0)
    mirrored = {
        StanceLabel.confirmed: StanceLabel.denied,
        StanceLabel.highly_likely: StanceLabel.highly_unlikely,
        StanceLabel.likely: StanceLabel.unlikely,
        StanceLabel.asserted: StanceLabel.questioned,
    }
    for support, dispute in mirrored.items():
        assert STRENGTH[support] == -STRENGTH[dispute]


@pytest.mark.parametrize("label", list(StanceLabel))
def test_confidence_round_trips_through_every_band(label: StanceLabel) -> None:
    band = STANCE_LABELS[label].band
    if band is None:
        assert position_confidence(label, None) is None
        return
    for step in range(int(band.low * 100), int(band.high * 100) + 1):
        p = step / 100
        confidence = position_confidence(label, p)
        assert confidence is not None
        assert 0 <= confidence <= 100
        assert probability_from_confidence(label, confidence) == p


def test_chunked_joins_small_pieces() -> None:
    chunks = list(chunked((b"x" * 10 for _ in range(1000)), size=1000))
    assert [len(c) for c in chunks] == [1000] * 10
    assert list(chunked([])) == []
