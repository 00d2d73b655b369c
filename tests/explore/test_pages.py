"""The explorer's pages as HTML through the real app, on both databases: what each page shows
of the worked example, its pictures, its errors, and the escaping of every piece of user text."""

import uuid
from typing import Any

import httpx

from tests.explore.conftest import DEPLOYMENT, DEPLOYMENT_SIDES, count, page, svg
from tests.factories import make_actor, make_claim, make_source, make_stance
from tests.transfer.helpers import body, imported


class TestStartPage:
    async def test_lists_the_most_contested_claims_and_the_latest_changes(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        html = page(await anonymous.get("/explore"))
        contested = html.split('id="contested"', 1)[1].split("</ol>", 1)[0]
        # Most stances first: the deployment claim (8) heads the list.
        first = contested.split("</li>", 1)[0]
        assert f"/explore/claims/{demo[DEPLOYMENT]}" in first
        assert "5 support" in first
        assert "2 dispute" in first
        assert count(html.split('class="changes"', 1)[1], "<li>") == 15

    async def test_search_finds_what_the_api_search_finds(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        api = await anonymous.get("/v1/claims", params={"q": "personnel deployed", "limit": 20})
        expected = [c["id"] for c in api.json()["items"]]
        html = page(await anonymous.get("/explore", params={"q": "personnel deployed"}))
        results = html.split('id="results"', 1)[1].split("</ol>", 1)[0]
        listed = [part.split('"', 1)[0] for part in results.split('href="/explore/claims/')[1:]]
        assert listed == expected
        assert str(demo[DEPLOYMENT]) in listed

    async def test_a_search_without_words_is_a_422_page(self, anonymous: httpx.AsyncClient) -> None:
        html = page(await anonymous.get("/explore", params={"q": "?!"}), 422)
        assert "at least one word" in html

    async def test_a_search_too_long_is_a_422_page(self, anonymous: httpx.AsyncClient) -> None:
        html = page(await anonymous.get("/explore", params={"q": "word " * 100}), 422)
        assert "at most 400 characters" in html


class TestClaimPage:
    async def test_shows_who_confirms_who_denies_and_how_likely(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        html = page(await anonymous.get(f"/explore/claims/{demo[DEPLOYMENT]}"))
        assert "North Korean military personnel are deployed with Russian forces" in html
        support = html.split('id="side-support"', 1)[1].split("</section>", 1)[0]
        dispute = html.split('id="side-dispute"', 1)[1].split("</section>", 1)[0]
        assert "Kim Yong-hyun" in support
        assert "highly likely" in support
        assert "<mark>it is “highly likely” that North Korean military personnel" in support
        assert "Officials in Kyiv" in support
        assert "Kremlin" in dispute
        assert "North Korean officials" in dispute
        assert "denied" in dispute
        assert "Kremlin" not in support
        for side, n in DEPLOYMENT_SIDES.items():
            assert count(html, f'<li id="stance-[^"]+" class="stance side-{side}"') == n
        # The counts table: stances and actors by side, and the support side's range.
        support = r'<tr class="side-support">.*?<td>5</td><td>5</td><td>80\u201395%</td>'
        assert count(html, support) == 1

    async def test_pictures_draw_one_mark_per_stance_and_the_provenance_chain(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        html = page(await anonymous.get(f"/explore/claims/{demo[DEPLOYMENT]}"))
        timeline = svg(html, "timeline")
        for side, n in DEPLOYMENT_SIDES.items():
            assert count(timeline, f'<g class="mark side-{side}') == n
        assert count(timeline, 'class="retraction"') == 0
        bar = svg(html, "sides-bar")
        assert count(bar, '<g class="segment side-') == 3
        chain = svg(html, "provenance")
        for side, n in DEPLOYMENT_SIDES.items():
            assert count(chain, f'class="node speaker side-{side}"') == n
            # One article, read by every speaker, is the one origin of each side.
            assert count(chain, f'class="node origin side-{side}"') == 1
        assert "Support: 5 speakers, 1 independent origin" in chain
        assert count(chain, 'class="edge reported side-') == 8
        assert count(chain, 'class="edge derived side-') == 8

    async def test_a_claim_of_more_stances_than_a_page_shows_the_first_and_every_origin(
        self, client: httpx.AsyncClient
    ) -> None:
        """501 stances: the first 500 are listed and the page says so; the provenance counts
        the origins the citations give: three copies of one wire story are one origin, and a
        loop of two sources citing each other is one more."""
        records: list[dict[str, Any]] = [
            {"type": "source", "key": key, "kind": "report", "title": f"Source {key}"}
            for key in ("wire", "c0", "c1", "c2", "c3", "l0", "l1")
        ]
        cites = [("c0", "wire"), ("c1", "wire"), ("c2", "wire"), ("c3", "l0")]
        cites += [("l0", "l1"), ("l1", "l0")]
        records += [
            {"type": "citation", "key": f"{a}-{b}", "source": a, "cited": b, "kind": "cites"}
            for a, b in cites
        ]
        records.append({"type": "claim", "key": "k", "statement": "Five hundred and one said"})
        for i in range(501):
            records.append({"type": "actor", "key": f"a{i}", "kind": "person", "name": f"P {i}"})
            records.append(
                {
                    "type": "stance",
                    "key": f"s{i}",
                    "claim": "k",
                    "actor": f"a{i}",
                    "source": f"c{i % 4}",
                    "label": "asserted" if i % 2 == 0 else "denied",
                }
            )
        await imported(client, body(records))
        claim_id = (await client.get("/v1/claims")).json()["items"][0]["id"]
        html = page(await client.get(f"/explore/claims/{claim_id}"))
        assert "The first 500 stances recorded are listed" in html
        assert count(html, '<li id="stance-') == 500
        chain = svg(html, "provenance")
        assert "1 independent origin" in chain  # support: c0, c2 -> the wire
        assert "2 independent origins" in chain  # dispute: c1 -> the wire, c3 -> the loop
        assert "Source wire" in chain

    async def test_as_of_shows_the_record_as_it_stood(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        # Kim Yong-hyun spoke on 8 October; everyone else is recorded on the 10th.
        url = f"/explore/claims/{demo[DEPLOYMENT]}"
        html = page(await anonymous.get(url, params={"as_of": "2024-10-09"}))
        assert 'value="2024-10-09"' in html
        assert count(svg(html, "timeline"), '<g class="mark ') == 1
        assert count(html, '<li id="stance-') == 1
        assert "Kim Yong-hyun" in html
        assert "Kremlin" not in html.split('id="stances-head"', 1)[1].split("</section>")[0]
        assert count(html, r'<tr class="side-dispute">.*?<td>0</td><td>0</td>') == 1

    async def test_a_bad_as_of_is_a_422_page(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        r = await anonymous.get(f"/explore/claims/{demo[DEPLOYMENT]}", params={"as_of": "soon"})
        assert "as_of: must be a date" in page(r, 422)

    async def test_related_claims_link_to_their_pages(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        related = await anonymous.get(f"/v1/claims/{demo[DEPLOYMENT]}/related")
        ids = {r["claim"]["id"] for r in related.json()["items"]}
        html = page(await anonymous.get(f"/explore/claims/{demo[DEPLOYMENT]}"))
        section = html.split('id="related-head"', 1)[1].split("</section>", 1)[0]
        assert {p.split('"', 1)[0] for p in section.split('href="/explore/claims/')[1:]} == ids
        assert "refines</em> this claim" in section

    async def test_a_retraction_is_marked_in_the_list_and_on_the_timeline(
        self, client: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        kept = await make_stance(client, claim_id=claim["id"], stated_at="2024-03-01T00:00:00Z")
        gone = await make_stance(
            client, claim_id=claim["id"], label="denied", stated_at="2024-03-05T00:00:00Z"
        )
        r = await client.patch(
            f"/v1/stances/{gone['id']}", json={"retracted_at": "2024-04-01T00:00:00Z"}
        )
        assert r.status_code == 200, r.text
        html = page(await client.get(f"/explore/claims/{claim['id']}"))
        retracted = html.split('id="retracted-head"', 1)[1].split("</section>", 1)[0]
        assert f'id="stance-{gone["id"]}"' in retracted
        assert "retracted 2024-04-01" in retracted
        timeline = svg(html, "timeline")
        assert count(timeline, '<g class="mark side-dispute retracted"') == 1
        assert count(timeline, 'class="retraction"') == 1
        assert f'data-stance="{kept["id"]}"' in timeline
        # Before the retraction, the stance stood: no cross, listed with the disputers.
        before = page(await client.get(f"/explore/claims/{claim['id']}?as_of=2024-03-20"))
        assert count(svg(before, "timeline"), 'class="retraction"') == 0
        assert 'id="retracted-head"' not in before
        assert 'id="side-dispute"' in before

    async def test_unknown_malformed_and_deleted_ids_are_pages(
        self, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        missing = uuid.uuid4()
        assert f"no claim with id {missing}" in page(
            await anonymous.get(f"/explore/claims/{missing}"), 404
        )
        page(await anonymous.get("/explore/claims/not-an-id"), 404)
        page(await anonymous.get(f"/explore/actors/{missing}"), 404)
        page(await anonymous.get(f"/explore/sources/{missing}"), 404)
        page(await anonymous.get("/explore/nowhere/at/all"), 404)
        claim = await make_claim(client)
        assert (await client.delete(f"/v1/claims/{claim['id']}")).status_code == 204
        page(await anonymous.get(f"/explore/claims/{claim['id']}"), 410)


class TestActorAndSourcePages:
    async def test_actor_page_shows_what_it_said_its_affiliations_and_opponents(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        html = page(await anonymous.get(f"/explore/actors/{demo['kim-yong-hyun']}"))
        asserted = html.split('id="side-support"', 1)[1].split("</section>", 1)[0]
        assert "highly likely" in asserted
        assert f"/explore/claims/{demo[DEPLOYMENT]}" in asserted
        affiliations = html.split('id="affiliations-head"', 1)[1].split("</section>", 1)[0]
        assert "South Korean government" in affiliations
        assert "2024-09-06" in affiliations
        assert "Minister of National Defense" in affiliations
        opponents = html.split('id="opponents-head"', 1)[1].split("</section>", 1)[0]
        assert f"/explore/actors/{demo['kremlin']}" in opponents

    async def test_source_page_marks_every_located_quote_and_links_it(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        listed = await anonymous.get(
            "/v1/stances", params={"source_id": str(demo["article"]), "limit": 500}
        )
        stances = [s for s in listed.json()["items"] if s["quote_span"]]
        assert stances
        html = page(await anonymous.get(f"/explore/sources/{demo['article']}"))
        text = html.split('class="source-text"', 1)[1].split("</div>", 1)[0]
        for s in stances:
            assert f'id="quote-{s["id"]}"' in text
            assert f'id="stance-{s["id"]}"' in html
        # Passages link to a stance that quotes them; Kremlin and Pyongyang share one quote.
        targets = {p.split('"', 1)[0] for p in text.split('href="#stance-')[1:]}
        assert targets <= {s["id"] for s in stances}
        shared = "publicly denied reports of troop deployments"
        assert count(text, rf"<a class=\"passage side-dispute\"[^>]*>[^<]*{shared}") == 1


class TestEscaping:
    async def test_user_text_is_escaped_on_every_page(self, client: httpx.AsyncClient) -> None:
        evil = "<script>alert('x')</script>"
        actor = await make_actor(client, name=f"Actor {evil}")
        text = f"Intro. The {evil} said so. End."
        source = await make_source(client, title=f"Title {evil}", text=text)
        claim = await make_claim(client, statement=f"Statement {evil} holds", tags=["x"])
        await make_stance(
            client,
            claim_id=claim["id"],
            actor_id=actor["id"],
            source_id=source["id"],
            quote=f"The {evil} said",
        )
        pages = [
            await client.get(f"/explore/claims/{claim['id']}"),
            await client.get(f"/explore/actors/{actor['id']}"),
            await client.get(f"/explore/sources/{source['id']}"),
            await client.get("/explore", params={"q": "Statement holds"}),
            await client.get("/explore", params={"q": f"{evil} x"}),
        ]
        for r in pages:
            html = page(r)
            assert "<script>alert" not in html
            assert "&lt;script&gt;alert(" in html
            # The only scripts are the explorer's own file.
            assert count(html, "<script") == 1


class TestLinksFromTheApi:
    async def test_claim_json_links_to_its_page(
        self, anonymous: httpx.AsyncClient, demo: dict[str, uuid.UUID]
    ) -> None:
        claim = (await anonymous.get(f"/v1/claims/{demo[DEPLOYMENT]}")).json()
        assert claim["links"] == {"page": f"/explore/claims/{demo[DEPLOYMENT]}"}
        listed = (await anonymous.get("/v1/claims", params={"limit": 5})).json()["items"]
        assert all(c["links"]["page"] == f"/explore/claims/{c['id']}" for c in listed)
        page(await anonymous.get(claim["links"]["page"]))

    async def test_created_claims_carry_the_link_too(self, client: httpx.AsyncClient) -> None:
        claim = await make_claim(client)
        assert claim["links"]["page"] == f"/explore/claims/{claim['id']}"

    async def test_docs_point_to_the_explorer_and_leave_the_pages_out(
        self, anonymous: httpx.AsyncClient
    ) -> None:
        doc = (await anonymous.get("/openapi.json")).json()
        assert "(/explore)" in doc["info"]["description"]
        assert not [path for path in doc["paths"] if path.startswith("/explore")]

    async def test_stylesheet_and_script_are_served_by_the_app(
        self, anonymous: httpx.AsyncClient
    ) -> None:
        css = await anonymous.get("/explore/static/explore.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert "--support" in css.text
        js = await anonymous.get("/explore/static/explore.js")
        assert js.status_code == 200
        assert "requestSubmit" in js.text
