"""Pages as HTML: the Jinja2 templates (autoescaped: every piece of user text is escaped unless
it is Markup built, escaping it, by the pictures (app.explore.svg and its users) or
app.explore.stance_items), the headers every page carries, and the error page."""

from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined

from app.explore import cookies
from app.explore.sides import LOOKS, SIDES, label_text
from app.explore.stance_items import stance_items
from app.explore.views import day
from app.vocabulary import StanceSide

# Nothing but this server: no inline script or style, no frames, forms only back to it.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


environment = Environment(
    loader=PackageLoader("app.explore", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name fails the page (and its test), not silently
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["day"] = day
environment.filters["words"] = label_text
environment.globals["LOOKS"] = LOOKS
environment.globals["SIDES"] = SIDES
environment.globals["stance_items"] = stance_items
environment.globals["WHO"] = {side: look.who for side, look in LOOKS.items()}
environment.globals["ACTOR_SAID"] = {
    StanceSide.support: "What it asserted",
    StanceSide.neutral: "What it hedged or relayed",
    StanceSide.dispute: "What it denied or disputed",
}
templates = Jinja2Templates(env=environment)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    carried: Response | None = None,
) -> Response:
    """The template rendered as a page, with the page headers, `headers`, and those the
    access check set on `carried` (rate limits)."""
    settings = request.app.state.settings
    # Pages read with a key are the key holder's: kept by no cache. Open pages may be kept,
    # but are checked again each time.
    cache = "private, no-store" if settings.reads_require_key else "no-cache"
    has_key = cookies.KEY_COOKIE in request.cookies
    context.setdefault("has_key", has_key)
    # Only pages with a form (the key form, or "forget the key") hand out a token.
    forms = template == "key.html" or has_key
    context.setdefault("csrf", cookies.csrf_token(request) if forms else "")
    page = templates.TemplateResponse(
        request,
        template,
        context,
        status_code=status,
        headers={**HEADERS, "Cache-Control": cache, **(headers or {})},
    )
    if carried is not None:
        page.raw_headers.extend(
            (name, value)
            for name, value in carried.raw_headers
            if name not in (b"content-length", b"content-type")
        )
    cookies.finish(request, page)
    return page


def error_page(
    request: Request,
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error as a page: what went wrong, in words, with the way back."""
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status=status,
        headers=headers,
    )
