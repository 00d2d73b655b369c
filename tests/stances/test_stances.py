"""Stances: create, read, list, update, delete through the HTTP API."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.vocabulary import STANCE_LABELS, StanceLabel
from tests.conftest import field_errors, problem
from tests.factories import make_actor, make_claim, make_source, make_stance
from tests.reading import pages, walk

TEXT = (
    "Officials in Kyiv and Seoul have confirmed that several North Korean military engineers "
    "are assisting Russian forces in missile launches. South Korean Defense Minister Kim "
    "Yong-hyun has stated that it is \u201chighly likely\u201d that North Korean military "
    "personnel are assisting Russian forces, and some may already be in combat zones."
)
STANCE_FIELDS = {
    "id",
    "claim_id",
    "actor_id",
    "source_id",
    "label",
    "side",
    "probability",
    "confidence",
    "quote",
    "stated_at",
    "retracted_at",
}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def listed(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every stance matching `params`, read page by page."""
    return await walk(client, "/v1/stances", **params)


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


async def parts(client: httpx.AsyncClient, **source: Any) -> dict[str, Any]:
    """A claim, an actor and a source: the body of a stance, without its label."""
    claim = await make_claim(client)
    actor = await make_actor(client)
    src = await make_source(client, **source)
    return {"claim_id": claim["id"], "actor_id": actor["id"], "source_id": src["id"]}


async def quoting(
    client: httpx.AsyncClient, label: str, quote: str
) -> tuple[dict[str, Any], httpx.Response]:
    """A stance `label` quoting `quote` from a new source whose text is TEXT, POSTed: its body
    (without label and quote) and the answer."""
    body = await parts(client, text=TEXT)
    return body, await client.post("/v1/stances", json={**body, "label": label, "quote": quote})


class TestCreateStance:
    @pytest.mark.parametrize("label", list(STANCE_LABELS))
    async def test_side_derived_from_label(
        self, client: httpx.AsyncClient, label: StanceLabel
    ) -> None:
        r = await client.post("/v1/stances", json={**await parts(client), "label": label.value})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["label"] == label.value
        assert body["side"] == STANCE_LABELS[label].side.value
        band = STANCE_LABELS[label].band
        assert body["band"] == (None if band is None else {"low": band.low, "high": band.high})

    async def test_created_with_location_and_design_names(self, client: httpx.AsyncClient) -> None:
        body = {
            **await parts(client),
            "label": "likely",
            "probability": 0.7,
            "confidence": "moderate",
            "stated_at": "2024-10-08T09:30:00Z",
        }
        r = await client.post("/v1/stances", json=body)
        assert r.status_code == 201, r.text
        out = r.json()
        assert set(out) >= STANCE_FIELDS
        assert r.headers["location"].endswith(f"/v1/stances/{out['id']}")
        for field in ("claim_id", "actor_id", "source_id", "label", "confidence"):
            assert out[field] == body[field]
        assert out["probability"] == pytest.approx(0.7)
        assert out["side"] == "support"
        assert at(out["stated_at"]) == datetime(2024, 10, 8, 9, 30, tzinfo=UTC)
        assert out["retracted_at"] is None
        assert out["version"] == 1
        got = await client.get(r.headers["location"])
        assert got.status_code == 200
        assert got.json() == out

    async def test_probability_inside_band(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="highly_likely", probability=0.9)
        assert stance["probability"] == pytest.approx(0.9)

    async def test_probability_outside_band_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/v1/stances",
            json={**await parts(client), "label": "highly_likely", "probability": 0.5},
        )
        body = problem(r, 422)
        assert body["type"] == "/problems/probability-outside-band"
        assert field_errors(body) == {"probability"}
        assert await listed(client) == []

    @pytest.mark.parametrize("label", ["highly_likely", "likely"])
    async def test_band_edge_fits_both_neighbours(
        self, client: httpx.AsyncClient, label: str
    ) -> None:
        stance = await make_stance(client, label=label, probability=0.80)
        assert stance["probability"] == pytest.approx(0.80)

    @pytest.mark.parametrize(
        ("label", "probability"), [("confirmed", 1.0), ("denied", 0.0), ("denied", 0.05)]
    )
    async def test_outer_band_edges(
        self, client: httpx.AsyncClient, label: str, probability: float
    ) -> None:
        stance = await make_stance(client, label=label, probability=probability)
        assert stance["probability"] == pytest.approx(probability)

    async def test_probability_on_unbanded_label(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="asserted", probability=0.7)
        assert stance["probability"] == pytest.approx(0.7)
        assert stance["band"] is None

    @pytest.mark.parametrize(
        ("label", "probability"), [("asserted", 0.3), ("questioned", 0.9), ("reported", 0.2)]
    )
    async def test_probability_on_the_wrong_side_is_422(
        self, client: httpx.AsyncClient, label: str, probability: float
    ) -> None:
        """An unbanded label takes only its side's probabilities: `asserted` at 0.3 would
        drag the claim's support range down to 0.3."""
        body = {**await parts(client), "label": label, "probability": probability}
        problem_body = problem(await client.post("/v1/stances", json=body), 422)
        assert problem_body["type"] == "/problems/probability-outside-band"
        assert field_errors(problem_body) == {"probability"}
        assert "side" in problem_body["errors"][0]["message"]
        assert await listed(client) == []


class TestDuplicateStance:
    """The same stance (claim, actor, source, label, quote) twice is one stance."""

    async def test_the_same_stance_twice_is_409_naming_the_first(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {**await parts(client), "label": "denied", "quote": "It is not true."}
        first = await client.post("/v1/stances", json=body)
        assert first.status_code == 201, first.text
        again = problem(await client.post("/v1/stances", json=body), 409)
        assert again["type"] == "/problems/duplicate"
        assert again["existing_id"] == first.json()["id"]
        summary = (await client.get(f"/v1/claims/{body['claim_id']}")).json()
        assert summary["summary"]["total"] == 1

    async def test_without_quotes_too(self, client: httpx.AsyncClient) -> None:
        body = {**await parts(client), "label": "asserted"}
        assert (await client.post("/v1/stances", json=body)).status_code == 201
        problem(await client.post("/v1/stances", json=body), 409)

    async def test_another_label_or_quote_is_another_stance(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {**await parts(client), "label": "denied", "quote": "No."}
        assert (await client.post("/v1/stances", json=body)).status_code == 201
        for other in ({"label": "questioned"}, {"quote": "Never."}):
            r = await client.post("/v1/stances", json={**body, **other})
            assert r.status_code == 201, r.text

    async def test_a_patch_that_would_make_a_duplicate_is_409(
        self, client: httpx.AsyncClient
    ) -> None:
        body = {**await parts(client), "label": "denied"}
        first = (await client.post("/v1/stances", json=body)).json()
        second = (await client.post("/v1/stances", json={**body, "label": "questioned"})).json()
        r = await client.patch(f"/v1/stances/{second['id']}", json={"label": "denied"})
        assert problem(r, 409)["existing_id"] == first["id"]
        assert (await client.get(f"/v1/stances/{second['id']}")).json()["label"] == "questioned"

    async def test_twenty_at_once_make_one(self, client: httpx.AsyncClient) -> None:
        body = {**await parts(client), "label": "likely", "quote": "Probably so."}
        answers = await asyncio.wait_for(
            asyncio.gather(*(client.post("/v1/stances", json=body) for _ in range(20))), 60
        )
        assert sorted(r.status_code for r in answers) == [201] + [409] * 19
        assert len(await listed(client, claim_id=body["claim_id"])) == 1

    @pytest.mark.parametrize("probability", [1.5, -0.1])
    async def test_probability_out_of_range_is_422(
        self, client: httpx.AsyncClient, probability: float
    ) -> None:
        r = await client.post(
            "/v1/stances",
            json={**await parts(client), "label": "asserted", "probability": probability},
        )
        assert "probability" in field_errors(problem(r, 422))

    @pytest.mark.parametrize("field", ["claim_id", "actor_id", "source_id"])
    async def test_unknown_reference_is_422(self, client: httpx.AsyncClient, field: str) -> None:
        body = {**await parts(client), "label": "asserted", field: str(uuid.uuid4())}
        r = await client.post("/v1/stances", json=body)
        problem_body = problem(r, 422)
        assert field_errors(problem_body) == {field}
        assert problem_body["type"] == "/problems/unknown-reference"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            pytest.param(
                {
                    "label": "asserted",
                    "stated_at": "2024-01-01T00:00:00Z",
                    "retracted_at": "2024-02-01T00:00:00Z",
                    "retraction_source_id": str(uuid.uuid4()),
                },
                "retraction_source_id",
                id="unknown retraction source",
            ),
            pytest.param({"label": "maybe"}, "label", id="invalid label"),
            pytest.param({}, "label", id="missing label"),
            pytest.param(
                {
                    "label": "asserted",
                    "stated_at": "2024-10-10T00:00:00Z",
                    "retracted_at": "2024-10-09T00:00:00Z",
                },
                "retracted_at",
                id="retracted before stated",
            ),
            pytest.param({"label": "asserted", "side": "dispute"}, "side", id="unknown field"),
        ],
    )
    async def test_bad_body_is_422_naming_the_field(
        self, client: httpx.AsyncClient, fields: dict[str, Any], field: str
    ) -> None:
        r = await client.post("/v1/stances", json={**await parts(client), **fields})
        assert field in field_errors(problem(r, 422))

    async def test_stated_at_defaults_to_source_publication(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await parts(client, published_at="2024-10-10T06:00:00Z")
        r = await client.post("/v1/stances", json={**body, "label": "reported"})
        assert r.status_code == 201, r.text
        assert at(r.json()["stated_at"]) == datetime(2024, 10, 10, 6, tzinfo=UTC)

    async def test_stated_at_with_offset_is_returned_in_utc(
        self, client: httpx.AsyncClient
    ) -> None:
        stance = await make_stance(client, stated_at="2024-10-08T09:00:00+09:00")
        assert at(stance["stated_at"]) == datetime(2024, 10, 8, 0, tzinfo=UTC)
        assert at(stance["stated_at"]).utcoffset() == timedelta(0)

    async def test_invalid_confidence_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/v1/stances", json={**await parts(client), "label": "likely", "confidence": "certain"}
        )
        assert "confidence" in field_errors(problem(r, 422))

    async def test_stated_at_without_publication_is_null(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client)
        assert stance["stated_at"] is None

    async def test_actor_source_and_claim_are_embedded(self, client: httpx.AsyncClient) -> None:
        publisher = await make_actor(client, kind="media", name="Seoul Herald")
        actor = await make_actor(client, kind="government", name="Kremlin")
        source = await make_source(
            client,
            title="Denials",
            publisher_id=publisher["id"],
            published_at="2024-10-10T00:00:00Z",
        )
        claim = await make_claim(client, statement="Troops are deployed")
        stance = await make_stance(
            client,
            claim_id=claim["id"],
            actor_id=actor["id"],
            source_id=source["id"],
            label="denied",
        )
        assert stance["actor"] == {"id": actor["id"], "name": "Kremlin", "kind": "government"}
        embedded = stance["source"]
        assert set(embedded) == {"id", "title", "url", "publisher_id", "publisher", "published_at"}
        assert embedded["id"] == source["id"]
        assert embedded["title"] == "Denials"
        assert embedded["url"] == source["url"]
        assert embedded["publisher_id"] == publisher["id"]
        assert embedded["publisher"] == {"id": publisher["id"], "name": "Seoul Herald"}
        assert at(embedded["published_at"]) == datetime(2024, 10, 10, tzinfo=UTC)
        assert stance["claim"] == {"id": claim["id"], "statement": "Troops are deployed"}

    async def test_verbatim_quote_gets_span(self, client: httpx.AsyncClient) -> None:
        quote = "several North Korean military engineers are assisting Russian forces"
        body, r = await quoting(client, "confirmed", quote)
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["quote"] == quote
        span = out["quote_span"]
        text = (await client.get(f"/v1/sources/{body['source_id']}/text")).text
        assert text == TEXT
        assert text[span["start"] : span["end"]] == quote
        assert span["start"] == TEXT.index(quote)
        assert span["prefix"] == text[max(0, span["start"] - 32) : span["start"]]
        assert span["suffix"] == text[span["end"] : span["end"] + 32]
        assert len(span["prefix"]) == 32
        assert len(span["suffix"]) == 32

    async def test_straight_quotes_are_stored_in_the_sources_wording(
        self, client: httpx.AsyncClient
    ) -> None:
        body, r = await quoting(client, "highly_likely", 'it is "highly likely" that')
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["quote"] == "it is \u201chighly likely\u201d that"
        text = (await client.get(f"/v1/sources/{body['source_id']}/text")).text
        assert text[out["quote_span"]["start"] : out["quote_span"]["end"]] == out["quote"]

    async def test_quote_not_in_text_is_422_and_nothing_is_created(
        self, client: httpx.AsyncClient
    ) -> None:
        _, r = await quoting(client, "denied", "North Korea has sent no troops")
        problem_body = problem(r, 422)
        assert problem_body["type"] == "/problems/quote-not-in-source"
        assert field_errors(problem_body) == {"quote"}
        assert await listed(client) == []

    async def test_no_quote_on_a_source_with_text(self, client: httpx.AsyncClient) -> None:
        """Without a quote the source's text is not read (it may be a whole article): the
        stance has no quote and no span, and a quoted stance on the same source still gets
        its span."""
        body = await parts(client, text=TEXT)
        r = await client.post("/v1/stances", json={**body, "label": "confirmed"})
        assert r.status_code == 201, r.text
        assert (r.json()["quote"], r.json()["quote_span"]) == (None, None)
        quote = "several North Korean military engineers are assisting Russian forces"
        r = await client.post("/v1/stances", json={**body, "label": "likely", "quote": quote})
        assert r.status_code == 201, r.text
        assert r.json()["quote_span"]["start"] == TEXT.index(quote)

    async def test_quote_on_source_without_text_is_stored_as_given(
        self, client: httpx.AsyncClient
    ) -> None:
        quote = 'it is "highly likely" - said the minister'
        stance = await make_stance(client, label="highly_likely", quote=quote)
        assert stance["quote"] == quote
        assert stance["quote_span"] is None

    async def test_retraction_source_without_retracted_at_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await parts(client)
        retraction = await make_source(client)
        r = await client.post(
            "/v1/stances",
            json={
                **body,
                "label": "asserted",
                "retraction_source_id": retraction["id"],
            },
        )
        assert "retracted_at" in field_errors(problem(r, 422))

    async def test_retracted_before_default_stated_at_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await parts(client, published_at="2024-10-10T00:00:00Z")
        r = await client.post(
            "/v1/stances",
            json={**body, "label": "asserted", "retracted_at": "2024-10-01T00:00:00Z"},
        )
        assert "retracted_at" in field_errors(problem(r, 422))

    async def test_retracted_with_source(self, client: httpx.AsyncClient) -> None:
        retraction = await make_source(client)
        stance = await make_stance(
            client,
            stated_at="2024-10-01T00:00:00Z",
            retracted_at="2024-10-05T00:00:00Z",
            retraction_source_id=retraction["id"],
        )
        assert at(stance["retracted_at"]) == datetime(2024, 10, 5, tzinfo=UTC)
        assert stance["retraction_source_id"] == retraction["id"]


class TestGetStance:
    async def test_found(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="questioned")
        r = await client.get(f"/v1/stances/{stance['id']}")
        assert r.status_code == 200
        assert r.json() == stance


class TestListStances:
    async def test_filters(self, client: httpx.AsyncClient) -> None:
        claim, other_claim = await make_claim(client), await make_claim(client)
        actor, other_actor = await make_actor(client), await make_actor(client)
        source, other_source = await make_source(client), await make_source(client)
        retracted = {"stated_at": "2024-01-01T00:00:00Z", "retracted_at": "2024-02-01T00:00:00Z"}
        s1, s2, s3, s4 = [
            await make_stance(
                client, claim_id=c["id"], actor_id=a["id"], source_id=s["id"], label=label, **more
            )
            for c, a, s, label, more in [
                (claim, actor, source, "confirmed", {}),
                (claim, other_actor, source, "denied", retracted),
                (other_claim, actor, other_source, "reported", {}),
                (other_claim, other_actor, other_source, "denied", {}),
            ]
        ]

        assert ids(await listed(client)) == ids([s1, s2, s3, s4])
        assert ids(await listed(client, claim_id=claim["id"])) == ids([s1, s2])
        assert ids(await listed(client, actor_id=actor["id"])) == ids([s1, s3])
        assert ids(await listed(client, source_id=other_source["id"])) == ids([s3, s4])
        assert ids(await listed(client, label="denied")) == ids([s2, s4])
        assert ids(await listed(client, side="support")) == ids([s1])
        assert ids(await listed(client, side="neutral")) == ids([s3])
        assert ids(await listed(client, side="dispute")) == ids([s2, s4])
        assert ids(await listed(client, retracted="true")) == ids([s2])
        assert ids(await listed(client, retracted="false")) == ids([s1, s3, s4])
        assert (
            ids(
                await walk(
                    client, "/v1/stances", claim_id=claim["id"], side="dispute", retracted="false"
                )
            )
            == set()
        )

    async def test_rows_embed_actor_source_and_claim(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="possible")
        [row] = await listed(client)
        assert row == stance
        assert row["actor"]["id"] == stance["actor_id"]
        assert row["source"]["id"] == stance["source_id"]
        assert row["claim"]["id"] == stance["claim_id"]

    async def test_pagination_visits_each_stance_once(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        made = {(await make_stance(client, claim_id=claim["id"]))["id"] for _ in range(5)}
        responses = await pages(client, "/v1/stances", limit=2, claim_id=claim["id"])
        for r in responses[:-1]:
            assert 'rel="next"' in r.headers["link"]
        seen = [item["id"] for r in responses for item in r.json()["items"]]
        assert len(responses) == 3
        assert len(seen) == 5
        assert set(seen) == made

    @pytest.mark.parametrize(
        ("param", "value"),
        [("side", "sideways"), ("label", "maybe"), ("claim_id", "nope"), ("retracted", "perhaps")],
    )
    async def test_invalid_filter_is_422(
        self, client: httpx.AsyncClient, param: str, value: str
    ) -> None:
        r = await client.get("/v1/stances", params={param: value})
        assert param in field_errors(problem(r, 422))


class TestUpdateStance:
    async def test_label_change_changes_side(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="asserted")
        r = await client.patch(f"/v1/stances/{stance['id']}", json={"label": "denied"})
        assert r.status_code == 200, r.text
        assert r.json()["label"] == "denied"
        assert r.json()["side"] == "dispute"
        assert r.json()["version"] == stance["version"] + 1
        got = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert (got["label"], got["side"]) == ("denied", "dispute")

    async def test_probability_outside_existing_band_is_422_and_unchanged(
        self, client: httpx.AsyncClient
    ) -> None:
        stance = await make_stance(client, label="likely", probability=0.6)
        r = await client.patch(f"/v1/stances/{stance['id']}", json={"probability": 0.9})
        body = problem(r, 422)
        assert body["type"] == "/problems/probability-outside-band"
        assert field_errors(body) == {"probability"}
        got = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert got["probability"] == pytest.approx(0.6)
        assert got["version"] == stance["version"]

    async def test_label_whose_band_excludes_stored_probability_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        stance = await make_stance(client, label="likely", probability=0.6)
        r = await client.patch(f"/v1/stances/{stance['id']}", json={"label": "denied"})
        assert "probability" in field_errors(problem(r, 422))
        got = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert got["label"] == "likely"

    async def test_label_and_probability_together(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, label="likely", probability=0.6)
        r = await client.patch(
            f"/v1/stances/{stance['id']}", json={"label": "denied", "probability": 0.01}
        )
        assert r.status_code == 200, r.text
        assert r.json()["side"] == "dispute"
        assert r.json()["probability"] == pytest.approx(0.01)

    async def test_quote_in_text_is_located(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, text=TEXT)
        stance = await make_stance(client, source_id=source["id"], label="possible")
        assert stance["quote_span"] is None
        r = await client.patch(
            f"/v1/stances/{stance['id']}", json={"quote": "some may already be in combat zones"}
        )
        assert r.status_code == 200, r.text
        span = r.json()["quote_span"]
        assert TEXT[span["start"] : span["end"]] == "some may already be in combat zones"

    async def test_quote_not_in_text_is_422(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, text=TEXT)
        stance = await make_stance(
            client,
            source_id=source["id"],
            label="confirmed",
            quote="Officials in Kyiv and Seoul have confirmed",
        )
        r = await client.patch(
            f"/v1/stances/{stance['id']}", json={"quote": "Officials in Pyongyang have confirmed"}
        )
        body = problem(r, 422)
        assert body["type"] == "/problems/quote-not-in-source"
        assert field_errors(body) == {"quote"}
        got = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert got["quote"] == "Officials in Kyiv and Seoul have confirmed"
        assert got["quote_span"] == stance["quote_span"]

    @pytest.mark.parametrize("field", ["claim_id", "actor_id", "source_id", "side"])
    async def test_identity_fields_are_rejected(
        self, client: httpx.AsyncClient, field: str
    ) -> None:
        stance = await make_stance(client)
        other = {
            "claim_id": (await make_claim(client))["id"],
            "actor_id": (await make_actor(client))["id"],
            "source_id": (await make_source(client))["id"],
            "side": "dispute",
        }[field]
        r = await client.patch(f"/v1/stances/{stance['id']}", json={field: other})
        assert field in field_errors(problem(r, 422))
        got = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert got[field] == stance[field]

    async def test_retract(self, client: httpx.AsyncClient) -> None:
        retraction = await make_source(client)
        stance = await make_stance(client, label="asserted", stated_at="2024-10-01T00:00:00Z")
        r = await client.patch(
            f"/v1/stances/{stance['id']}",
            json={
                "retracted_at": "2024-11-01T00:00:00Z",
                "retraction_source_id": retraction["id"],
            },
        )
        assert r.status_code == 200, r.text
        assert at(r.json()["retracted_at"]) == datetime(2024, 11, 1, tzinfo=UTC)
        assert r.json()["retraction_source_id"] == retraction["id"]
        assert ids(await listed(client, retracted="true")) == {stance["id"]}

    async def test_retract_before_stated_is_422(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, stated_at="2024-10-01T00:00:00Z")
        r = await client.patch(
            f"/v1/stances/{stance['id']}", json={"retracted_at": "2024-09-01T00:00:00Z"}
        )
        assert "retracted_at" in field_errors(problem(r, 422))
        assert (await client.get(f"/v1/stances/{stance['id']}")).json()["retracted_at"] is None

    async def test_retraction_source_without_retracted_at_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        retraction = await make_source(client)
        stance = await make_stance(client)
        r = await client.patch(
            f"/v1/stances/{stance['id']}", json={"retraction_source_id": retraction["id"]}
        )
        assert "retracted_at" in field_errors(problem(r, 422))

    async def test_unknown_retraction_source_is_422(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client, stated_at="2024-10-01T00:00:00Z")
        r = await client.patch(
            f"/v1/stances/{stance['id']}",
            json={
                "retracted_at": "2024-11-01T00:00:00Z",
                "retraction_source_id": str(uuid.uuid4()),
            },
        )
        assert "retraction_source_id" in field_errors(problem(r, 422))

    async def test_unretract(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(
            client, stated_at="2024-10-01T00:00:00Z", retracted_at="2024-10-02T00:00:00Z"
        )
        r = await client.patch(f"/v1/stances/{stance['id']}", json={"retracted_at": None})
        assert r.status_code == 200, r.text
        assert r.json()["retracted_at"] is None

    async def test_null_label_is_422(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client)
        r = await client.patch(f"/v1/stances/{stance['id']}", json={"label": None})
        assert "label" in field_errors(problem(r, 422))


class TestDeleteStance:
    async def test_deleted_then_410(self, client: httpx.AsyncClient) -> None:
        stance = await make_stance(client)
        r = await client.delete(f"/v1/stances/{stance['id']}")
        assert r.status_code == 204
        assert r.content == b""
        assert problem(await client.get(f"/v1/stances/{stance['id']}"), 410)["type"] == (
            "/problems/deleted"
        )
        assert await listed(client) == []
        # the claim it was on is no longer referenced
        assert (await client.delete(f"/v1/claims/{stance['claim_id']}")).status_code == 204
