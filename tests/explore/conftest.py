"""Helpers for the explorer's tests: pages read as HTML, and counts of what they draw."""

import re

import httpx

# The worked example's deployment claim, as the demo fixture keys it, and what it holds.
DEPLOYMENT = "nk-personnel-deployed"
DEPLOYMENT_SIDES = {"support": 5, "neutral": 1, "dispute": 2}


def page(response: httpx.Response, status: int = 200) -> str:
    """Assert `response` is an HTML page with this status; its text."""
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert "Traceback" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    return response.text


def count(html: str, pattern: str) -> int:
    """How many times `pattern` (a regular expression) occurs in `html`."""
    return len(re.findall(pattern, html))


def svg(html: str, name: str) -> str:
    """The inline <svg> picture of this name on the page."""
    match = re.search(rf'<svg class="picture {name}".*?</svg>', html, re.S)
    assert match, f"no {name} picture on the page"
    return match.group(0)
