"""The line parser, on any input: a record or errors naming the line, never an exception."""

import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest.records import LineError, NaturalRef, Record
from app.transfer.importer import read
from app.vocabulary import ActorKind, Confidence, StanceLabel

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)
names = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40).filter(
    lambda s: s.strip() != ""
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
actor_refs = keys | st.builds(
    lambda kind, name: {"kind": kind, "name": name}, st.sampled_from(list(ActorKind)), names
)
actors = st.fixed_dictionaries(
    {
        "type": st.just("actor"),
        "key": keys,
        "kind": st.sampled_from(list(ActorKind)),
        "name": names,
    },
    optional={
        "aliases": st.none() | st.lists(names, max_size=3),
        "country": st.sampled_from(["KR", "ua", None]),
        # NUL is refused in any text (no database stores it): a valid actor holds none.
        "description": st.none()
        | st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=50),
        "external_ids": st.none()
        | st.dictionaries(st.sampled_from(["wikidata", "isni"]), names, max_size=2),
    },
)


def _banded(draw: Any) -> dict[str, Any]:
    label = draw(st.sampled_from(list(StanceLabel)))
    record: dict[str, Any] = {
        "type": "stance",
        "key": draw(keys),
        "claim": draw(keys | st.builds(lambda s: {"statement": s}, names)),
        "actor": draw(actor_refs),
        "source": draw(keys | st.just({"url": "https://example.org/a"})),
        "label": label.value,
    }
    if draw(st.booleans()):
        record["confidence"] = draw(st.sampled_from(list(Confidence))).value
    if draw(st.booleans()):
        record["quote"] = draw(names)
    return record


stances = st.composite(_banded)()


def _errors_name_the_line(result: Record | list[LineError], line: int) -> None:
    if isinstance(result, list):
        assert result
        assert all(e.line == line and isinstance(e.field, str) and e.message for e in result)


@FAST
@given(st.binary(max_size=200), st.integers(1, 10**6))
def test_any_bytes_give_a_record_or_errors(raw: bytes, line: int) -> None:
    _errors_name_the_line(read(line, raw), line)


@FAST
@given(json_values, st.integers(1, 10**6))
def test_any_json_gives_a_record_or_errors(value: Any, line: int) -> None:
    _errors_name_the_line(read(line, json.dumps(value).encode()), line)


@FAST
@given(
    actors,
    json_values | st.sampled_from(["actor", "claim", 7]),
    st.sampled_from(
        ["type", "key", "kind", "name", "aliases", "country", "reliability", "external_ids"]
    ),
)
def test_any_field_of_an_actor_may_be_anything(
    record: dict[str, Any], value: Any, field: str
) -> None:
    _errors_name_the_line(read(3, json.dumps({**record, field: value}).encode()), 3)


@FAST
@given(actors)
def test_a_valid_actor_parses_to_what_it_says(record: dict[str, Any]) -> None:
    result = read(1, orjson.dumps(record))
    assert isinstance(result, Record), result
    assert (result.type, result.key, result.line) == ("actor", record["key"], 1)
    assert result.data.name == record["name"].strip()
    assert result.data.kind == record["kind"]
    # a null list is "not given"; any other field given (even null) is
    not_given = {f for f in ("aliases", "external_ids") if f in record and record[f] is None}
    assert result.present == set(record) - {"type", "key"} - not_given


@FAST
@given(stances)
def test_a_valid_stance_keeps_its_refs(record: dict[str, Any]) -> None:
    result = read(2, orjson.dumps(record))
    assert isinstance(result, Record), result
    for field in ("claim", "actor", "source"):
        ref = result.refs[field]
        if isinstance(record[field], str):
            assert ref == record[field]
        else:
            assert isinstance(ref, NaturalRef)
    assert result.data.label == record["label"]


@FAST
@given(stances, st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1))
def test_a_probability_outside_the_band_is_named(record: dict[str, Any], p: float) -> None:
    result = read(5, orjson.dumps({**record, "probability": p}))
    from app.vocabulary import probability_problem

    if probability_problem(record["label"], p) is None:
        assert isinstance(result, Record)
    else:
        assert isinstance(result, list)
        assert [(e.field, e.type) for e in result] == [("probability", "probability-outside-band")]
