"""The explorer in a real headless Chromium against `claimgraph serve --demo` on the backend
under test, with every request off this machine blocked: the pages load and render their
pictures, a search result leads to the claim's page, the date picker reloads it, it reads at
phone width, and axe-core (vendored, injected by the test) finds no accessibility violation.

Needs Debian's chromium (`apt-get install -y chromium`); Playwright only drives it. With
CLAIMGRAPH_UPDATE_SCREENSHOTS=1 the claim page's screenshots are written to docs/img/.
"""

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import fresh_database
from tests.docs.test_browser import (
    FLAGS,
    TIMEOUT_MS,
    Browsing,
    assert_stayed_local,
    chromium_path,
    watched,
)
from tests.explore.conftest import DEPLOYMENT_SIDES
from tests.live import serve

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
DEPLOYMENT_STATEMENT = "North Korean military personnel are deployed with Russian forces in Ukraine"
DESKTOP = {"width": 1280, "height": 1600}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
async def explore_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """`claimgraph serve --demo` on a fresh database of the backend under test; its URL."""
    tmp = tmp_path_factory.mktemp(f"explore-{backend}")
    async with (
        fresh_database(backend, tmp) as url,
        serve(url, tmp / "server.log", "--demo") as server,
    ):
        yield server.url


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=executable, args=FLAGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def open_page(
    browser: Browser, viewport: dict[str, int] = DESKTOP, *, for_axe: bool = False
) -> Browsing:
    """A page whose requests off this machine are aborted and recorded. `for_axe` lets the
    test inject axe-core past the pages' Content-Security-Policy (which forbids any script
    but the explorer's own file); the other pages run under the policy, and any violation
    of it would show among their console errors."""
    context = await browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        service_workers="block",
        bypass_csp=for_axe,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return await watched(await context.new_page())


async def close(seen: Browsing) -> None:
    assert_stayed_local(seen)
    await seen.page.context.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core finds wrong on the page (WCAG 2 A and AA, and best practices)."""
    await page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return found


async def drawn(page: Page, selector: str) -> int:
    """How many elements match, each checked to be drawn: an area, or a line of some length
    (a level edge has a box of no height)."""
    boxes = await page.locator(selector).evaluate_all(
        """els => els.map(e => {
            const b = e.getBBox();
            return (b.width > 0 && b.height > 0) || (e.getTotalLength && e.getTotalLength() > 0);
        })"""
    )
    assert all(boxes), f"{selector}: some are drawn empty"
    return len(boxes)


async def test_search_leads_to_the_claim_and_its_pictures(
    explore_server: str, chromium: Browser, tmp_path: Path
) -> None:
    seen = await open_page(chromium)
    page = seen.page
    await page.goto(f"{explore_server}/explore")
    await page.locator("#q").fill("personnel deployed")
    await page.locator("#q").press("Enter")
    result = page.locator("#results a", has_text=DEPLOYMENT_STATEMENT)
    await result.click()
    await page.wait_for_url("**/explore/claims/*")
    assert await page.locator("h1").inner_text() == DEPLOYMENT_STATEMENT

    kim = page.locator("li.stance", has_text="Kim Yong-hyun")
    assert "highly likely" in await kim.inner_text()
    assert "side-support" in (await kim.get_attribute("class") or "")
    dispute = await page.locator("#side-dispute + ul").inner_text()
    assert "Kremlin" in dispute
    assert "denied" in dispute

    for side, n in DEPLOYMENT_SIDES.items():
        assert await drawn(page, f"svg.timeline g.mark.side-{side}") == n
        assert await drawn(page, f"svg.provenance a.node.speaker.side-{side}") == n
        assert await drawn(page, f"svg.provenance a.node.origin.side-{side}") == 1
        assert await drawn(page, f"svg.provenance path.edge.side-{side}") == 2 * n
    assert await drawn(page, "svg.sides-bar g.segment") == 3
    await seen.screenshot(tmp_path / "explore-claim-desktop.png")
    await close(seen)


async def test_the_date_picker_reloads_the_claim_as_of_that_day(
    explore_server: str, chromium: Browser
) -> None:
    seen = await open_page(chromium)
    page = seen.page
    await page.goto(f"{explore_server}/explore")
    await page.locator("#contested a", has_text=DEPLOYMENT_STATEMENT).click()
    await page.wait_for_url("**/explore/claims/*")
    assert await page.locator("svg.timeline g.mark").count() == 8
    # Filling the picker fires `change`; the script submits the form: no button pressed.
    await page.locator("#as_of").fill("2024-10-09")
    await page.wait_for_url("**as_of=2024-10-09")
    assert await drawn(page, "svg.timeline g.mark") == 1
    assert await page.locator("li.stance").count() == 1
    await close(seen)


async def test_the_claim_page_reads_at_phone_width(
    explore_server: str, chromium: Browser, tmp_path: Path
) -> None:
    seen = await open_page(chromium, PHONE)
    page = seen.page
    await page.goto(f"{explore_server}/explore?q=personnel+deployed")
    await page.locator("#results a", has_text=DEPLOYMENT_STATEMENT).click()
    await page.wait_for_url("**/explore/claims/*")
    # Nothing but the wide pictures' own boxes scrolls sideways.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    timeline = page.locator("svg.timeline")
    assert (await timeline.bounding_box() or {}).get("width", 0) > PHONE["width"] / 2
    await seen.screenshot(tmp_path / "explore-claim-phone.png")
    if os.environ.get("CLAIMGRAPH_UPDATE_SCREENSHOTS"):
        IMAGES.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=IMAGES / "explore-claim-phone.png")
        await page.set_viewport_size(DESKTOP)
        await page.screenshot(path=IMAGES / "explore-claim-desktop.png")
        for name in ("timeline", "provenance"):
            section = page.locator(f"section.{name}-section")
            await section.screenshot(path=IMAGES / f"explore-claim-{name}.png")
    await close(seen)


async def test_every_page_passes_axe(explore_server: str, chromium: Browser) -> None:
    seen = await open_page(chromium, for_axe=True)
    page = seen.page
    await page.goto(f"{explore_server}/explore?q=personnel+deployed")
    found = {"start": await axe_violations(page)}
    await page.locator("#results a", has_text=DEPLOYMENT_STATEMENT).click()
    await page.wait_for_url("**/explore/claims/*")
    found["claim"] = await axe_violations(page)
    await page.locator("li.stance a.actor", has_text="Kim Yong-hyun").click()
    await page.wait_for_url("**/explore/actors/*")
    found["actor"] = await axe_violations(page)
    await page.locator("li.stance p.where a").first.click()
    await page.wait_for_url("**/explore/sources/*")
    assert await page.locator(".source-text a.passage").count() > 10
    found["source"] = await axe_violations(page)
    await page.goto(f"{explore_server}/explore/claims/00000000-0000-0000-0000-000000000000")
    found["not found"] = await axe_violations(page)
    # The browser reports the 404 itself as a console error: that one is expected.
    seen.errors = [e for e in seen.errors if "status of 404" not in e]
    assert found == {name: [] for name in found}
    await close(seen)
