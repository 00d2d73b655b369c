"""/docs and /redoc in a real headless Chromium, with every request off this machine blocked.

Proves the docs pages work where claimgraph is deployed without internet access: the UI assets
come from the server itself, the operations render and expand, and "Try it out" reaches the
running server. Needs Debian's chromium (`apt-get install -y chromium`); Playwright only drives
it (never `playwright install`).
"""

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import ConsoleMessage, Page, Route, async_playwright

from tests.docs.conftest import deployment_claim_id

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    # A second fence under the request interception: no name but the loopback ones resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
TIMEOUT_MS = 20_000


def chromium_path() -> str:
    """Debian's chromium; a skip saying how to install it, or a failure under CI."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    message = f"the browser test needs Debian's chromium at {CHROMIUM}: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must not skip it)")
    pytest.skip(message)


@dataclass
class Browsing:
    """A page whose requests off this machine are aborted and recorded, with its errors."""

    page: Page
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)

    async def screenshot(self, path: Path) -> None:
        await self.page.screenshot(path=path, full_page=False)
        self.screenshots.append(path)
        print(f"screenshot: {path}")


async def watched(page: Page) -> Browsing:
    """`page` with its requests off this machine aborted and recorded, and its errors kept."""
    seen = Browsing(page)

    async def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            seen.outside.append(url)
            await route.abort("blockedbyclient")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(f"console: {message.text} at {message.location}")

    await page.route("**/*", guard)
    page.on("console", console)
    page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))
    return seen


@pytest.fixture
async def browsing(tmp_path: Path) -> AsyncIterator[Browsing]:
    executable = chromium_path()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=executable, args=FLAGS, timeout=TIMEOUT_MS
        )
        try:
            context = await browser.new_context(
                viewport={"width": 1280, "height": 1400}, service_workers="block"
            )
            context.set_default_timeout(TIMEOUT_MS)
            yield await watched(await context.new_page())
        finally:
            await browser.close()


def assert_stayed_local(seen: Browsing) -> None:
    assert seen.outside == [], f"requests left localhost: {seen.outside}"
    assert seen.errors == [], "\n".join(seen.errors)


async def test_swagger_ui_renders_offline_and_tries_who_disputes(
    live_server: str, browsing: Browsing, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as http:
        claim_id = await deployment_claim_id(http)
        paths = (await http.get("/openapi.json")).json()["paths"]
    # Swagger UI shows an operation once under each of its tags.
    shown = sum(len(op.get("tags", [])) for path in paths.values() for op in path.values())
    page = browsing.page

    await page.goto(f"{live_server}/docs")
    operation = page.locator("#operations-stances-list_stances")  # tag `stances`, operationId
    await operation.wait_for()
    summary = await operation.locator(".opblock-summary").inner_text()
    assert "GET" in summary
    assert "/v1/stances" in summary
    assert "list_stances" in summary
    assert await page.locator(".opblock").count() == shown  # every operation rendered
    await browsing.screenshot(tmp_path / "docs.png")

    await operation.locator(".opblock-summary").click()
    parameters = operation.locator("tr[data-param-name]")
    await parameters.first.wait_for()
    names = await parameters.evaluate_all("rows => rows.map(r => r.dataset.paramName)")
    assert {"claim_id", "side", "label", "actor_id", "limit", "cursor"} <= set(names)
    side = operation.locator('tr[data-param-name="side"]')
    assert "dispute" in await side.inner_text()  # described, with its enum's values

    # "Try it out" against the running server: who disputes the deployment claim?
    await operation.get_by_role("button", name="Try it out").click()
    await operation.locator('tr[data-param-name="claim_id"] input').fill(claim_id)
    await side.locator("select").select_option("dispute")
    await operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table tr.response").first
    await answer.wait_for()
    assert (await answer.locator(".response-col_status").inner_text()).strip() == "200"
    body = await answer.locator(".response-col_description pre").first.inner_text()
    assert "Kremlin" in body
    assert "North Korean officials" in body
    await operation.screenshot(path=tmp_path / "docs-list_stances.png")
    print(f"screenshot: {tmp_path / 'docs-list_stances.png'}")

    assert_stayed_local(browsing)


async def test_redoc_renders_offline(live_server: str, browsing: Browsing, tmp_path: Path) -> None:
    page = browsing.page

    await page.goto(f"{live_server}/redoc")
    await page.locator('[data-item-id="tag/stances"]').click()
    await page.locator('[data-item-id="tag/stances/operation/list_stances"]').click()
    operation = page.locator('[id="tag/stances/operation/list_stances"]')
    await operation.wait_for()
    text = await operation.inner_text()
    assert "List stances" in text
    assert "side" in text
    assert "dispute" in text  # the `side` parameter and its values
    await operation.get_by_text("Expand all").first.click()  # the response sample
    text = await operation.inner_text()
    assert "North Korean officials" in text  # the response example from the worked example
    await browsing.screenshot(tmp_path / "redoc.png")

    assert_stayed_local(browsing)
