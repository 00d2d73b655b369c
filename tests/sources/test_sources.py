"""Sources: /v1/sources create, list, get, text, update, delete."""

import hashlib
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import field_errors, kept_as_referenced, problem
from tests.factories import make_actor, make_source, make_stance

DESIGN_FIELDS = {
    "id",
    "kind",
    "title",
    "url",
    "publisher_id",
    "author_ids",
    "published_at",
    "retrieved_at",
    "language",
}

ARTICLE = (
    "SEOUL, Oct 18 (Reuters) \u2014 South Korea's defence minister said it was "
    "\u201chighly likely\u201d that North Korean personnel were deployed.\r\n"
    "The Kremlin denied the reports.\n"
)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def _list(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/v1/sources", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def _text(client: httpx.AsyncClient, source: dict[str, Any]) -> str:
    r = await client.get(f"/v1/sources/{source['id']}/text")
    assert r.status_code == 200, r.text
    return r.text


class TestCreateSource:
    async def test_returns_201_with_location_and_design_fields(
        self, client: httpx.AsyncClient
    ) -> None:
        publisher = await make_actor(client, kind="media", name="Reuters")
        author = await make_actor(client, name="Josh Smith")
        body = {
            "kind": "news_article",
            "title": "North Korean troops in Russia",
            "url": "https://www.reuters.com/world/asia/nk-1",
            "publisher_id": publisher["id"],
            "author_ids": [author["id"]],
            "published_at": "2024-10-18T09:30:00+09:00",
            "retrieved_at": "2024-10-19T00:00:00Z",
            "language": "en",
        }
        r = await client.post("/v1/sources", json=body)
        assert r.status_code == 201, r.text
        source = r.json()
        assert source.keys() >= DESIGN_FIELDS
        assert r.headers["location"].endswith(f"/v1/sources/{source['id']}")
        assert source["kind"] == "news_article"
        assert source["title"] == body["title"]
        assert source["url"] == body["url"]
        assert source["publisher_id"] == publisher["id"]
        assert source["author_ids"] == [author["id"]]
        assert source["published_at"].startswith("2024-10-18T00:30:00")  # stored as UTC
        assert source["retrieved_at"].startswith("2024-10-19T00:00:00")
        assert source["language"] == "en"
        assert source["content_hash"] is None
        assert source["has_text"] is False
        assert (await client.get(r.headers["location"])).json() == source

    async def test_text_sets_content_hash_and_has_text(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, text=ARTICLE)
        assert source["content_hash"] == sha256(ARTICLE)
        assert source["has_text"] is True
        got = (await client.get(f"/v1/sources/{source['id']}")).json()
        assert got["has_text"] is True
        assert "text" not in got

    async def test_matching_content_hash_is_accepted_in_any_case(
        self, client: httpx.AsyncClient
    ) -> None:
        source = await make_source(client, text=ARTICLE, content_hash=sha256(ARTICLE).upper())
        assert source["content_hash"] == sha256(ARTICLE)

    async def test_content_hash_not_matching_text_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/v1/sources",
            json={
                "kind": "report",
                "title": "T",
                "text": ARTICLE,
                "content_hash": sha256("other"),
            },
        )
        assert field_errors(problem(r, 422)) == {"content_hash"}
        assert await _list(client) == []

    async def test_content_hash_without_text_is_stored(self, client: httpx.AsyncClient) -> None:
        digest = sha256("held elsewhere")
        source = await make_source(client, content_hash=digest)
        assert source["content_hash"] == digest
        assert source["has_text"] is False

    async def test_url_is_normalized(self, client: httpx.AsyncClient) -> None:
        source = await make_source(
            client,
            url="HTTPS://News.Example.COM:443/World/Story?id=7&utm_source=tw&utm_medium=x#top",
        )
        assert source["url"] == "https://news.example.com/World/Story?id=7"

    async def test_same_normalized_url_is_409_with_existing_id(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await make_source(client, url="https://news.example.com/a?id=1")
        r = await client.post(
            "/v1/sources",
            json={
                "kind": "news_article",
                "title": "Copy",
                "url": "https://NEWS.example.com:443/a?id=1&fbclid=abc#comments",
            },
        )
        body = problem(r, 409)
        assert body["existing_id"] == first["id"]
        assert len(await _list(client)) == 1

    async def test_http_and_https_are_different_urls(self, client: httpx.AsyncClient) -> None:
        await make_source(client, url="https://example.org/x")
        other = await make_source(client, url="http://example.org/x")
        assert other["url"] == "http://example.org/x"

    async def test_sources_without_url_do_not_collide(self, client: httpx.AsyncClient) -> None:
        a = await make_source(client, url=None)
        b = await make_source(client, url=None)
        assert a["url"] is None
        assert b["url"] is None
        assert a["id"] != b["id"]

    async def test_unknown_publisher_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/v1/sources",
            json={
                "kind": "report",
                "title": "T",
                "publisher_id": str(uuid.uuid4()),
            },
        )
        body = problem(r, 422)
        assert body["type"] == "/problems/unknown-reference"
        assert field_errors(body) == {"publisher_id"}

    async def test_unknown_author_is_422(self, client: httpx.AsyncClient) -> None:
        author = await make_actor(client)
        r = await client.post(
            "/v1/sources",
            json={
                "kind": "report",
                "title": "T",
                "author_ids": [author["id"], str(uuid.uuid4())],
            },
        )
        body = problem(r, 422)
        assert body["type"] == "/problems/unknown-reference"
        assert field_errors(body) == {"author_ids"}

    async def test_authors_keep_their_order_once_each(self, client: httpx.AsyncClient) -> None:
        a, b, c = [(await make_actor(client))["id"] for _ in range(3)]
        source = await make_source(client, author_ids=[c, a, c, b])
        assert source["author_ids"] == [c, a, b]
        assert (await client.get(f"/v1/sources/{source['id']}")).json()["author_ids"] == [c, a, b]

    @pytest.mark.parametrize("language", ["en", "ko-KR", "zh-Hant-TW"])
    async def test_valid_language_is_kept(self, client: httpx.AsyncClient, language: str) -> None:
        source = await make_source(client, language=language)
        assert source["language"] == language

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            *[("content_hash", digest) for digest in ("abc", "g" * 64, "a" * 65)],
            *[
                ("url", url)
                for url in (
                    "ftp://example.org/file.txt",
                    "mailto:a@example.org",
                    "example.org/no-scheme",
                    "https:///no-host",
                    "https://example.org:99999/",
                )
            ],
            *[("language", language) for language in ("english", "e", "en_US", "12")],
            ("kind", "tweet"),
            ("title", "  "),
            ("published_at", "yesterday"),
            ("has_text", True),  # not a field a client sets
        ],
    )
    async def test_bad_field_is_422_naming_only_it(
        self, client: httpx.AsyncClient, field: str, value: object
    ) -> None:
        r = await client.post("/v1/sources", json={"kind": "report", "title": "T", field: value})
        assert field_errors(problem(r, 422)) == {field}


class TestGetSource:
    async def test_returns_the_source(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, language="ko")
        r = await client.get(f"/v1/sources/{source['id']}")
        assert r.status_code == 200, r.text
        assert r.json() == source


class TestGetSourceText:
    async def test_returns_the_exact_text_as_plain_text(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, text=ARTICLE)
        r = await client.get(f"/v1/sources/{source['id']}/text")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/plain")
        assert r.text == ARTICLE
        assert hashlib.sha256(r.content).hexdigest() == source["content_hash"]

    async def test_source_without_text_is_404(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client)
        r = await client.get(f"/v1/sources/{source['id']}/text")
        assert problem(r, 404)["type"] == "/problems/unknown-source-text"

    async def test_unknown_source_is_404(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"/v1/sources/{uuid.uuid4()}/text")
        assert problem(r, 404)["type"] == "/problems/unknown-source"


class TestListSources:
    async def test_lists_in_creation_order_with_has_text(self, client: httpx.AsyncClient) -> None:
        plain = await make_source(client)
        full = await make_source(client, text="Full text.")
        items = await _list(client)
        assert [s["id"] for s in items] == [plain["id"], full["id"]]
        assert [s["has_text"] for s in items] == [False, True]

    async def test_filters_by_kind(self, client: httpx.AsyncClient) -> None:
        await make_source(client, kind="news_article")
        statement = await make_source(client, kind="statement")
        assert [s["id"] for s in await _list(client, kind="statement")] == [statement["id"]]
        assert await _list(client, kind="transcript") == []

    async def test_invalid_kind_filter_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/sources", params={"kind": "tweet"})
        assert "kind" in field_errors(problem(r, 422))

    async def test_filters_by_publisher(self, client: httpx.AsyncClient) -> None:
        yonhap = await make_actor(client, kind="media", name="Yonhap")
        kcna = await make_actor(client, kind="media", name="KCNA")
        mine = await make_source(client, publisher_id=yonhap["id"])
        await make_source(client, publisher_id=kcna["id"])
        await make_source(client)
        assert [s["id"] for s in await _list(client, publisher_id=yonhap["id"])] == [mine["id"]]

    async def test_filters_by_url_normalized_before_matching(
        self, client: httpx.AsyncClient
    ) -> None:
        wanted = await make_source(client, url="https://news.example.com/story?id=3")
        await make_source(client, url="https://news.example.com/story?id=4")
        got = await _list(client, url="HTTPS://NEWS.Example.com:443/story?utm_campaign=x&id=3#p")
        assert [s["id"] for s in got] == [wanted["id"]]
        assert await _list(client, url="https://news.example.com/story?id=5") == []

    async def test_filter_by_the_stored_url_finds_the_source(
        self, client: httpx.AsyncClient
    ) -> None:
        source = await make_source(client, url="https://e.org/100%25/r%C3%A9sum%c3%a9?x=%2541")
        got = await _list(client, url=source["url"])
        assert [s["id"] for s in got] == [source["id"]]

    async def test_invalid_url_filter_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/sources", params={"url": "ftp://example.org/"})
        assert "url" in field_errors(problem(r, 422))

    async def test_paginates(self, client: httpx.AsyncClient) -> None:
        created = [(await make_source(client))["id"] for _ in range(5)]
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 2}
        for _ in range(5):
            r = await client.get("/v1/sources", params=params)
            body = r.json()
            seen.extend(s["id"] for s in body["items"])
            if body["next_cursor"] is None:
                assert "link" not in r.headers
                break
            assert f"cursor={body['next_cursor']}" in r.headers["link"]
            params = {"limit": 2, "cursor": body["next_cursor"]}
        assert seen == created

    async def test_garbage_cursor_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/v1/sources", params={"cursor": "not-a-cursor"})
        assert problem(r, 422)["type"] == "/problems/invalid-cursor"


class TestUpdateSource:
    async def test_changes_title_only(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, language="en", text=ARTICLE)
        r = await client.patch(f"/v1/sources/{source['id']}", json={"title": "New headline"})
        assert r.status_code == 200, r.text
        after = r.json()
        assert after["title"] == "New headline"
        assert after["version"] == source["version"] + 1
        unchanged = {k: v for k, v in source.items() if k not in ("title", "version", "updated_at")}
        assert {k: after[k] for k in unchanged} == unchanged
        assert (await client.get(f"/v1/sources/{source['id']}")).json() == after
        assert await _text(client, source) == ARTICLE

    async def test_url_is_normalized_and_checked_for_duplicates(
        self, client: httpx.AsyncClient
    ) -> None:
        taken = await make_source(client, url="https://example.org/taken")
        source = await make_source(client, url="https://example.org/mine")
        r = await client.patch(
            f"/v1/sources/{source['id']}", json={"url": "https://EXAMPLE.org/taken#x"}
        )
        assert problem(r, 409)["existing_id"] == taken["id"]
        r = await client.patch(
            f"/v1/sources/{source['id']}", json={"url": "https://EXAMPLE.org/mine?utm_source=a"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["url"] == "https://example.org/mine"

    async def test_bad_url_is_422(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client)
        r = await client.patch(f"/v1/sources/{source['id']}", json={"url": "ftp://x.org/"})
        assert field_errors(problem(r, 422)) == {"url"}

    async def test_publisher_and_authors_are_checked_and_replaced(
        self, client: httpx.AsyncClient
    ) -> None:
        a, b = await make_actor(client), await make_actor(client)
        source = await make_source(client, author_ids=[a["id"]])
        r = await client.patch(
            f"/v1/sources/{source['id']}", json={"publisher_id": str(uuid.uuid4())}
        )
        assert field_errors(problem(r, 422)) == {"publisher_id"}
        r = await client.patch(
            f"/v1/sources/{source['id']}", json={"author_ids": [str(uuid.uuid4())]}
        )
        assert field_errors(problem(r, 422)) == {"author_ids"}
        r = await client.patch(
            f"/v1/sources/{source['id']}",
            json={"publisher_id": b["id"], "author_ids": [b["id"], a["id"]]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["publisher_id"] == b["id"]
        assert r.json()["author_ids"] == [b["id"], a["id"]]

    async def test_text_moves_quote_spans(self, client: httpx.AsyncClient) -> None:
        old = "Officials in Kyiv confirmed the deployment."
        new = "UPDATE, Monday: Officials in Kyiv confirmed the deployment, a spokesman said."
        source = await make_source(client, text=old)
        stance = await make_stance(
            client, source_id=source["id"], label="confirmed", quote="confirmed the deployment"
        )
        assert stance["quote_span"]["start"] == old.index("confirmed")

        r = await client.patch(f"/v1/sources/{source['id']}", json={"text": new})
        assert r.status_code == 200, r.text
        assert r.json()["content_hash"] == sha256(new)
        assert await _text(client, source) == new
        moved = (await client.get(f"/v1/stances/{stance['id']}")).json()
        start = new.index("confirmed the deployment")
        assert moved["quote"] == "confirmed the deployment"
        assert moved["quote_span"]["start"] == start
        assert moved["quote_span"]["end"] == start + len("confirmed the deployment")
        assert moved["quote_span"]["prefix"] == new[:start][-32:]

    async def test_text_dropping_a_quoted_passage_is_409_and_changes_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        old = "Officials in Kyiv confirmed the deployment."
        source = await make_source(client, text=old)
        stance = await make_stance(
            client, source_id=source["id"], label="confirmed", quote="confirmed the deployment"
        )
        r = await client.patch(
            f"/v1/sources/{source['id']}",
            json={"text": "Officials declined to comment.", "title": "New"},
        )
        body = problem(r, 409)
        assert body["stance_id"] == stance["id"]
        assert await _text(client, source) == old
        assert (await client.get(f"/v1/sources/{source['id']}")).json() == source
        assert (await client.get(f"/v1/stances/{stance['id']}")).json() == stance

    async def test_adding_text_anchors_existing_quotes(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client)
        stance = await make_stance(
            client, source_id=source["id"], label="denied", quote="The Kremlin denied the reports."
        )
        assert stance["quote_span"] is None
        r = await client.patch(f"/v1/sources/{source['id']}", json={"text": "Nothing here."})
        assert problem(r, 409)["stance_id"] == stance["id"]
        assert (await client.get(f"/v1/sources/{source['id']}")).json()["has_text"] is False
        r = await client.patch(f"/v1/sources/{source['id']}", json={"text": ARTICLE})
        assert r.status_code == 200, r.text
        anchored = (await client.get(f"/v1/stances/{stance['id']}")).json()
        start = ARTICLE.index("The Kremlin denied")
        assert anchored["quote_span"]["start"] == start
        assert anchored["quote_span"]["end"] == start + len("The Kremlin denied the reports.")

    async def test_removing_text_drops_quote_spans(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, text=ARTICLE)
        stance = await make_stance(
            client, source_id=source["id"], label="denied", quote="The Kremlin denied the reports."
        )
        assert stance["quote_span"] is not None
        r = await client.patch(f"/v1/sources/{source['id']}", json={"text": None})
        assert r.status_code == 200, r.text
        after = (await client.get(f"/v1/stances/{stance['id']}")).json()
        assert after["quote"] == "The Kremlin denied the reports."
        assert after["quote_span"] is None

    async def test_text_can_be_added_then_removed(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client)
        r = await client.patch(f"/v1/sources/{source['id']}", json={"text": ARTICLE})
        assert r.json()["has_text"] is True
        assert r.json()["content_hash"] == sha256(ARTICLE)
        assert await _text(client, source) == ARTICLE
        r = await client.patch(f"/v1/sources/{source['id']}", json={"text": None})
        assert r.status_code == 200, r.text
        assert r.json()["has_text"] is False
        assert r.json()["content_hash"] is None
        assert problem(await client.get(f"/v1/sources/{source['id']}/text"), 404)

    async def test_content_hash_not_matching_held_text_is_422(
        self, client: httpx.AsyncClient
    ) -> None:
        source = await make_source(client, text=ARTICLE)
        r = await client.patch(
            f"/v1/sources/{source['id']}", json={"content_hash": sha256("something else")}
        )
        assert field_errors(problem(r, 422)) == {"content_hash"}
        r = await client.patch(
            f"/v1/sources/{source['id']}", json={"text": "new", "content_hash": sha256("other")}
        )
        assert field_errors(problem(r, 422)) == {"content_hash"}
        assert await _text(client, source) == ARTICLE

    async def test_invalid_language_is_422(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, language="en")
        r = await client.patch(f"/v1/sources/{source['id']}", json={"language": "english"})
        assert field_errors(problem(r, 422)) == {"language"}

    @pytest.mark.parametrize("field", ["title", "kind"])
    async def test_null_required_field_is_422(self, client: httpx.AsyncClient, field: str) -> None:
        source = await make_source(client)
        r = await client.patch(f"/v1/sources/{source['id']}", json={field: None})
        assert field in field_errors(problem(r, 422))

    async def test_unknown_field_is_422(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client)
        r = await client.patch(f"/v1/sources/{source['id']}", json={"version": 7})
        assert "version" in field_errors(problem(r, 422))


class TestDeleteSource:
    async def test_deletes_then_410(self, client: httpx.AsyncClient) -> None:
        author = await make_actor(client)
        source = await make_source(client, text=ARTICLE, author_ids=[author["id"]])
        r = await client.delete(f"/v1/sources/{source['id']}")
        assert r.status_code == 204, r.text
        assert problem(await client.get(f"/v1/sources/{source['id']}"), 410)
        assert problem(await client.get(f"/v1/sources/{source['id']}/text"), 410)
        # the author is no longer referenced and can go too
        assert (await client.delete(f"/v1/actors/{author['id']}")).status_code == 204

    async def test_frees_the_url(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client, url="https://example.org/once")
        assert (await client.delete(f"/v1/sources/{source['id']}")).status_code == 204
        again = await make_source(client, url="https://example.org/once")
        assert again["id"] != source["id"]

    async def test_source_with_stances_is_409(self, client: httpx.AsyncClient) -> None:
        source = await make_source(client)
        await make_stance(client, source_id=source["id"])
        body = await kept_as_referenced(client, f"/v1/sources/{source['id']}")
        assert body["references"] == {"stances": 1}

    async def test_source_showing_a_retraction_is_409(self, client: httpx.AsyncClient) -> None:
        retraction = await make_source(client)
        await make_stance(
            client, retracted_at="2024-11-01T00:00:00Z", retraction_source_id=retraction["id"]
        )
        await kept_as_referenced(client, f"/v1/sources/{retraction['id']}")

    @pytest.fixture
    async def citing(self, client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
        """A story and the primary source it cites."""
        primary = await make_source(client)
        story = await make_source(client)
        r = await client.post(
            f"/v1/sources/{story['id']}/citations", json={"cited_source_id": primary["id"]}
        )
        assert r.status_code == 201, r.text
        return story, primary

    async def test_source_cited_by_another_is_409(
        self, client: httpx.AsyncClient, citing: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        _, primary = citing
        body = await kept_as_referenced(client, f"/v1/sources/{primary['id']}")
        assert body["references"] == {"citing sources": 1}

    async def test_own_citations_go_with_it(
        self, client: httpx.AsyncClient, citing: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        story, primary = citing
        assert (await client.delete(f"/v1/sources/{story['id']}")).status_code == 204
        r = await client.get(f"/v1/sources/{primary['id']}/citations")
        assert r.json()["items"] == []
        assert (await client.delete(f"/v1/sources/{primary['id']}")).status_code == 204
