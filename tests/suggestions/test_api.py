"""POST /v1/suggestions through the app: the answer's shape, the stance bodies it offers, the
read scope, and every invalid input as a 4xx naming the field."""

import uuid
from typing import Any

import httpx

from tests.conftest import field_errors, problem
from tests.factories import make_actor, make_claim, make_source

ARTICLE = (
    "Kremlin spokesman Dmitry Peskov said on Monday that no Russian troops were in Belarus. "
    "The Kremlin's spokesman later declined to comment on the drills."
)


async def _items(client: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    r = await client.post("/v1/suggestions", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["language"] == "en"
    items: list[dict[str, Any]] = r.json()["items"]
    return items


class TestSuggest:
    async def test_a_text_gives_speaker_claim_label_quote_and_cues(
        self, client: httpx.AsyncClient
    ) -> None:
        text = "The ministry said it was highly likely that the convoy carried weapons."
        (item,) = await _items(client, {"text": text})
        assert item["speaker"] == {
            "actor_id": None,
            "name": "Ministry",
            "kind": "government",
            "voice": "quoted",
        }
        assert item["label"] == "highly_likely"
        assert item["side"] == "support"
        assert item["cues"] == ["said", "highly likely"]
        assert item["claim"]["claim_id"] is None
        assert item["claim"]["statement"] == "The convoy carried weapons"
        assert text[item["quote_span"]["start"] : item["quote_span"]["end"]] == item["quote"]
        assert item["stance"] is None  # a text has no source to record the stance in
        assert 0 < item["score"] <= 1

    async def test_the_texts_own_voice_speaks_for_the_author(
        self, client: httpx.AsyncClient
    ) -> None:
        (item,) = await _items(client, {"text": "The convoy reportedly carried weapons."})
        assert item["speaker"]["voice"] == "source"
        assert item["speaker"]["name"] == "Author of the text"
        assert item["label"] == "reported"

    async def test_speakers_match_actors_by_alias_ignoring_titles_and_possessives(
        self, client: httpx.AsyncClient
    ) -> None:
        peskov = await make_actor(client, name="Dmitry Peskov", aliases=["Peskov"])
        kremlin = await make_actor(client, kind="government", name="Kremlin")
        items = await _items(client, {"text": ARTICLE})
        by_label = {i["label"]: i for i in items}
        assert by_label["denied"]["speaker"]["actor_id"] == peskov["id"]
        assert by_label["denied"]["speaker"]["name"] == "Dmitry Peskov"
        assert by_label["denied"]["cues"] == ["said", "no"]
        # "The Kremlin's spokesman": an unnamed spokesperson speaks for the organization.
        assert by_label["no_comment"]["speaker"]["actor_id"] == kremlin["id"]

    async def test_an_unknown_speaker_is_proposed_with_the_kind_the_words_give(
        self, client: httpx.AsyncClient
    ) -> None:
        text = "A spokeswoman for the Foreign Ministry said the convoy carried weapons."
        (item,) = await _items(client, {"text": text})
        assert item["speaker"]["name"] == "Foreign Ministry"
        assert item["speaker"]["kind"] == "government"

    async def test_negation_and_hedges_and_several_stances_in_one_sentence(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = "The convoy carried weapons"
        text = (
            "The army did not deny that the convoy carried weapons. "
            "The ministry denied that the convoy carried weapons but said it was possible."
        )
        items = await _items(client, {"text": text, "claims": [claim]})
        found = {(i["speaker"]["name"], i["label"]) for i in items}
        assert found == {("Army", "no_comment"), ("Ministry", "denied"), ("Ministry", "possible")}
        assert all(i["claim"]["statement"] == claim for i in items)

    async def test_a_stated_probability_and_confidence_are_given(
        self, client: httpx.AsyncClient
    ) -> None:
        text = (
            "Analysts said with high confidence that there was a 90 percent chance "
            "the convoy carried weapons."
        )
        (item,) = await _items(client, {"text": text})
        assert item["probability"] == 0.9
        assert item["label"] == "highly_likely"
        assert item["confidence"] == "high"

    async def test_claim_ids_limit_the_claims_looked_for(self, client: httpx.AsyncClient) -> None:
        wanted = await make_claim(client, statement="The convoy carried weapons")
        await make_claim(client, statement="The bridge was destroyed by a missile")
        text = "Officials said the convoy carried weapons and the bridge was destroyed."
        items = await _items(client, {"text": text, "claim_ids": [wanted["id"]]})
        assert items
        assert {i["claim"]["claim_id"] for i in items} == {wanted["id"]}

    async def test_given_statements_are_matched_to_existing_claims(
        self, client: httpx.AsyncClient
    ) -> None:
        existing = await make_claim(client, statement="The convoy carried weapons")
        text = "Officials said the convoy carried weapons. Officials said the bridge fell."
        claims = ["the convoy carried  weapons", "The bridge fell down"]
        items = await _items(client, {"text": text, "claims": claims})
        assert {(i["claim"]["claim_id"], i["claim"]["statement"]) for i in items} == {
            (existing["id"], "The convoy carried weapons"),
            (None, "The bridge fell down"),
        }


class TestStanceBodies:
    async def test_every_offered_stance_is_accepted_by_post_stances(
        self, client: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        # A second copy of the article (the worked example already records its stances, and
        # the same stance twice is refused), published by the same outlet.
        article = (await client.get(f"/v1/sources/{demo['article']}")).json()
        text = (await client.get(f"/v1/sources/{demo['article']}/text")).text
        copy = await make_source(
            client, title=article["title"], text=text, publisher_id=article["publisher_id"]
        )
        items = await _items(client, {"source_id": copy["id"]})
        offered = [i for i in items if i["stance"] is not None]
        assert len(offered) > 30
        assert {i["stance"]["source_id"] for i in offered} == {copy["id"]}
        for item in offered:
            r = await client.post("/v1/stances", json=item["stance"])
            assert r.status_code == 201, (item["stance"], r.text)
            made = r.json()
            assert made["quote_span"]["start"] == item["quote_span"]["start"]
            assert made["quote_span"]["end"] == item["quote_span"]["end"]
            assert made["label"] == item["label"]
        # No stance is offered without an actor and a claim that exist.
        assert all(i["speaker"]["actor_id"] and i["claim"]["claim_id"] for i in offered)


class TestAccess:
    async def test_a_read_key_may_ask_for_suggestions_but_not_write(
        self, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        r = await client.post("/v1/keys", json={"name": "reader", "scope": "read"})
        assert r.status_code == 201, r.text
        reader = {"Authorization": f"Bearer {r.json()['key']}"}
        body = {"text": "Officials said the convoy carried weapons."}
        r = await anonymous.post("/v1/suggestions", json=body, headers=reader)
        assert r.status_code == 200, r.text
        problem(await anonymous.post("/v1/claims", json={"statement": "x"}, headers=reader), 403)
        # Reads are open by default: no key is needed either.
        assert (await anonymous.post("/v1/suggestions", json=body)).status_code == 200

    async def test_suggestions_store_nothing(self, client: httpx.AsyncClient) -> None:
        await _items(client, {"text": ARTICLE})
        for path in ("/v1/actors", "/v1/claims", "/v1/stances"):
            assert (await client.get(path)).json()["items"] == []


class TestInvalidInput:
    async def test_both_or_neither_of_source_id_and_text(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, text="Officials said so.")
        both = {"source_id": source["id"], "text": "x"}
        assert field_errors(problem(await client.post("/v1/suggestions", json=both), 422)) == {
            "text"
        }
        neither: dict[str, Any] = {"claims": ["x"]}
        body = problem(await client.post("/v1/suggestions", json=neither), 422)
        assert field_errors(body) == {"source_id"}

    async def test_unknown_source_is_404_and_one_without_text_422(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.post("/v1/suggestions", json={"source_id": str(uuid.uuid4())})
        problem(r, 404)
        bare = await make_source(client)
        r = await client.post("/v1/suggestions", json={"source_id": bare["id"]})
        assert field_errors(problem(r, 422)) == {"source_id"}

    async def test_unknown_claim_id_language_and_fields(self, client: httpx.AsyncClient) -> None:
        cases: list[tuple[dict[str, Any], str]] = [
            ({"text": "x", "claim_ids": [str(uuid.uuid4())]}, "claim_ids"),
            ({"text": "x", "language": "fr"}, "language"),
            ({"text": "x", "language": "not a tag"}, "language"),
            ({"text": "x", "colour": "red"}, "colour"),
            ({"text": "   "}, "text"),
            ({"text": "x" * 200_001}, "text"),
            ({"text": "x", "claims": ["c"] * 101}, "claims"),
            ({"text": "x", "claim_ids": [str(uuid.uuid4())] * 101}, "claim_ids"),
            ({"text": "x", "claims": [""]}, "claims.0"),
        ]
        for body, field in cases:
            r = await client.post("/v1/suggestions", json=body)
            assert field in field_errors(problem(r, 422)), (body, r.text)

    async def test_odd_text_gives_an_answer_not_an_error(self, client: httpx.AsyncClient) -> None:
        for text in ("“", "said", ", said", "According to", "?", "\u200b\n\n.", "a\u0301 " * 50):
            r = await client.post("/v1/suggestions", json={"text": text})
            assert r.status_code == 200, (text, r.text)
