"""The cue lexicon is built from the vocabulary's own words; sentences split as the rules
expect."""

import json
from importlib import resources

import pytest

from app.suggestions.lexicon import UnknownLanguage, build, languages, lexicon_for
from app.suggestions.text import sentences
from app.vocabulary import STANCE_LABELS


def _english() -> dict[str, object]:
    path = resources.files("app.suggestions").joinpath("cues").joinpath("en.json")
    data: dict[str, object] = json.loads(path.read_text("utf-8"))
    return data


def test_every_vocabulary_word_is_a_cue_of_its_label() -> None:
    lexicon = lexicon_for("en")
    for info in STANCE_LABELS.values():
        for word in info.words:
            assert lexicon.cue(word).label == info.label, word


def test_a_vocabulary_word_without_a_role_is_refused() -> None:
    data = _english()
    roles = dict(data["vocabulary_roles"])  # type: ignore[call-overload]
    del roles["highly likely"]
    with pytest.raises(ValueError, match="highly likely"):
        build({**data, "vocabulary_roles": roles})


def test_languages_are_the_lexicon_files() -> None:
    assert languages() == ["en"]
    assert lexicon_for("en-GB").language == "en"
    assert lexicon_for(None).language == "en"
    with pytest.raises(UnknownLanguage, match="fr"):
        lexicon_for("fr")


def test_sentences_headings_title_and_questions() -> None:
    text = (
        "Is the ceasefire holding?\n"
        "Key facts\n"
        "Gen. Smith met Mr. Jones in the U.S. on Monday. They spoke. Did it help?\n"
    )
    found = [(text[s.start : s.end], s.kind) for s in sentences(text)]
    assert found == [
        ("Is the ceasefire holding?", "title"),
        ("Key facts", "heading"),
        ("Gen. Smith met Mr. Jones in the U.S. on Monday.", "body"),
        ("They spoke.", "body"),
        ("Did it help?", "question"),
    ]
