"""The API's read rules applied to pages: the same check (`require_access`) with the key taken
from the explorer's cookie (or an Authorization header), a form asking for a key when reads
need one, and the form posts that keep or forget it."""

from urllib.parse import parse_qs, urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials

from app.auth.deps import bearer, require_access
from app.auth.keys import verify_key
from app.errors import DomainError
from app.explore import cookies
from app.explore.rendering import error_page, render

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 8192


async def check_access(request: Request, carried: Response) -> Response | None:
    """None when the reader may read (headers for the page set on `carried`), else the page
    to answer with: the key form (401 or 403), or the error (429)."""
    credentials = await bearer(request)
    key = request.cookies.get(cookies.KEY_COOKIE)
    if credentials is None and key:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=key)
    try:
        await require_access(request, carried, credentials)
    except DomainError as exc:
        if exc.status in (401, 403):
            reason = exc.detail if key or credentials else None
            return key_form(request, exc.status, reason, exc.headers)
        return error_page(request, exc.status, exc.title, exc.detail, exc.headers)
    return None


def key_form(
    request: Request, status: int, reason: str | None, headers: dict[str, str] | None = None
) -> Response:
    """The page asking for an API key, which then takes the reader back to `next`."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(
        request,
        "key.html",
        {"reason": reason, "next": safe_next(target)},
        status=status,
        headers=headers,
    )


def safe_next(target: str | None) -> str:
    """A page of the explorer to go back to, never another site (an open redirect)."""
    if (
        not target
        or not target.startswith("/explore")
        or target.startswith("//")
        or any(c in target for c in "\\\r\n\t")
        or urlsplit(target).netloc
    ):
        return "/explore"
    return target


def _same_origin(request: Request) -> bool:
    """Whether the browser says the post comes from this site (absent headers pass: the
    token is the guard; these catch a leaked token used from elsewhere)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


async def _form(request: Request) -> dict[str, str] | Response:
    """The posted form's fields, or the error page for a post that is not the explorer's."""
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM_TYPE:
        return error_page(request, 415, "Unsupported form", "Send the form from the page.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return error_page(request, 413, "Form too large", "The form is larger than a key.")
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    form = {name: values[0] for name, values in fields.items()}
    if not cookies.csrf_ok(request, form.get("csrf", "")) or not _same_origin(request):
        return error_page(
            request,
            403,
            "Form expired",
            "This form did not come from this page, or it has expired: reload the page and "
            "send it again.",
        )
    return form


async def take_key(request: Request) -> Response:
    """Check the posted key and keep it in the cookie; back to the page that asked for it."""
    form = await _form(request)
    if isinstance(form, Response):
        return form
    key = form.get("key", "").strip()
    target = safe_next(form.get("next"))
    async with request.app.state.sessionmaker() as session:
        found = await verify_key(session, key) if key else None
    if found is None:
        reason = "That key is invalid, expired or revoked." if key else "Enter a key."
        return render(request, "key.html", {"reason": reason, "next": target}, status=401)
    response = RedirectResponse(target, status_code=303)
    cookies.set_key(request, response, key)
    return response


async def drop_key(request: Request) -> Response:
    """Forget the key kept in the cookie."""
    form = await _form(request)
    if isinstance(form, Response):
        return form
    response = RedirectResponse("/explore", status_code=303)
    cookies.forget_key(request, response)
    return response
