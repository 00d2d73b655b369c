"""The explorer under the API's read rules: when reads need a key, pages ask for one in a form,
keep it in an HttpOnly, SameSite=Strict cookie (never in a URL), and accept only the form's own
posts (a double-submit token and the browser's origin headers)."""

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.auth import keys
from tests.conftest import client_for
from tests.conftest import new_key as key_in
from tests.explore.conftest import page
from tests.factories import make_claim
from tests.trust.conftest import app_with


@pytest.fixture
async def strict_app(database_url: str, client: httpx.AsyncClient) -> AsyncIterator[FastAPI]:
    """The app with CLAIMGRAPH_READS_REQUIRE_KEY on (the database is emptied by `client`)."""
    async with app_with(database_url, reads_require_key=True) as app:
        yield app


@pytest.fixture
async def browser(strict_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a key that keeps cookies, as a browser does."""
    async with client_for(strict_app) as http:
        yield http


async def new_key(app: FastAPI, scope: keys.Scope = keys.Scope.read) -> str:
    return await key_in(app.state.sessionmaker, scope, f"reader-{uuid.uuid4().hex[:6]}")


def token_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no form token"
    return match.group(1)


def cookie_header(response: httpx.Response, name: str) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


def assert_strict_cookie(header: str) -> None:
    attributes = {a.strip().lower() for a in header.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/explore" in attributes


class TestKeyForm:
    async def test_pages_ask_for_a_key_in_a_form(
        self, client: httpx.AsyncClient, browser: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        r = await browser.get(f"/explore/claims/{claim['id']}?as_of=2024-01-01")
        html = page(r, 401)
        assert claim["statement"] not in html
        assert '<form class="key-form" method="post" action="/explore/key">' in html
        assert f'name="next" value="/explore/claims/{claim["id"]}?as_of=2024-01-01"' in html
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.headers["cache-control"] == "private, no-store"
        assert_strict_cookie(cookie_header(r, "claimgraph_csrf"))
        page(await browser.get("/explore"), 401)

    async def test_a_read_key_opens_the_pages_and_never_enters_a_url(
        self, client: httpx.AsyncClient, strict_app: FastAPI, browser: httpx.AsyncClient
    ) -> None:
        claim = await make_claim(client)
        target = f"/explore/claims/{claim['id']}"
        form = page(await browser.get(target), 401)
        key = await new_key(strict_app)
        r = await browser.post(
            "/explore/key", data={"key": key, "csrf": token_of(form), "next": target}
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"] == target
        kept = cookie_header(r, "claimgraph_key")
        assert_strict_cookie(kept)
        assert key not in r.headers["location"]
        html = page(await browser.get(target))
        assert claim["statement"] in html
        assert key not in html  # nor in the page (links, forms)
        assert "Forget my key" in html

        # Forgetting it closes the pages again.
        r = await browser.post("/explore/key/forget", data={"csrf": token_of(html)})
        assert r.status_code == 303
        assert 'claimgraph_key=""' in cookie_header(r, "claimgraph_key")
        browser.cookies.delete("claimgraph_key")
        page(await browser.get(target), 401)

    async def test_a_bearer_header_opens_the_pages_too(
        self, strict_app: FastAPI, browser: httpx.AsyncClient
    ) -> None:
        key = await new_key(strict_app)
        page(await browser.get("/explore", headers={"Authorization": f"Bearer {key}"}))

    async def test_a_wrong_key_is_asked_for_again(self, browser: httpx.AsyncClient) -> None:
        form = page(await browser.get("/explore"), 401)
        r = await browser.post(
            "/explore/key", data={"key": "cg_nope_nope", "csrf": token_of(form), "next": "/explore"}
        )
        assert "invalid, expired or revoked" in page(r, 401)
        assert "claimgraph_key" not in r.headers.get("set-cookie", "")

    async def test_a_revoked_key_in_the_cookie_is_asked_for_again(
        self, strict_app: FastAPI, browser: httpx.AsyncClient
    ) -> None:
        key = await new_key(strict_app)
        async with strict_app.state.sessionmaker() as session:
            await keys.revoke_key(session, key.split("_")[0] + "_" + key.split("_")[1])
            await session.commit()
        r = await browser.get("/explore", headers={"Cookie": f"claimgraph_key={key}"})
        assert "invalid, expired or revoked" in page(r, 401)


class TestFormPostsAreTheExplorersOwn:
    async def test_a_post_without_the_pages_token_is_refused(
        self, strict_app: FastAPI, browser: httpx.AsyncClient
    ) -> None:
        key = await new_key(strict_app)
        # No token cookie yet: as a post from another site would arrive (SameSite=Strict).
        r = await browser.post("/explore/key", data={"key": key, "csrf": "guess", "next": "/"})
        assert "did not come from this page" in page(r, 403)
        assert "set-cookie" not in r.headers or "claimgraph_key" not in r.headers["set-cookie"]
        form = page(await browser.get("/explore"), 401)
        r = await browser.post("/explore/key", data={"key": key, "csrf": "guess"})
        page(r, 403)
        r = await browser.post(
            "/explore/key",
            data={"key": key, "csrf": token_of(form)},
            headers={"Origin": "https://elsewhere.example"},
        )
        page(r, 403)
        r = await browser.post(
            "/explore/key",
            data={"key": key, "csrf": token_of(form)},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        page(r, 403)
        r = await browser.post(
            "/explore/key",
            content=f'{{"key": "{key}"}}',
            headers={"Content-Type": "application/json"},
        )
        page(r, 415)

    @pytest.mark.parametrize(
        "target", ["https://elsewhere.example/x", "//elsewhere.example/x", "/v1/claims", None]
    )
    async def test_the_way_back_never_leaves_the_explorer(
        self, strict_app: FastAPI, browser: httpx.AsyncClient, target: str | None
    ) -> None:
        form = page(await browser.get("/explore"), 401)
        data = {"key": await new_key(strict_app), "csrf": token_of(form)}
        if target is not None:
            data["next"] = target
        r = await browser.post("/explore/key", data=data)
        assert r.status_code == 303
        assert r.headers["location"] == "/explore"
