"""The explorer's two cookies, both HttpOnly, SameSite=Strict and scoped to /explore: the API
key a reader typed into the key form (never put in a URL), and the token that the explorer's
forms send back to prove they were its own (double submit: another site can neither read the
cookie nor make the browser send it, so it cannot forge a form post)."""

import secrets

from fastapi import Request, Response

KEY_COOKIE = "claimgraph_key"
CSRF_COOKIE = "claimgraph_csrf"
COOKIE_PATH = "/explore"


def _set(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def set_key(request: Request, response: Response, key: str) -> None:
    """Keep the reader's key for the explorer's pages, for the browser's session."""
    _set(request, response, KEY_COOKIE, key)


def forget_key(request: Request, response: Response) -> None:
    response.delete_cookie(
        KEY_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def csrf_token(request: Request) -> str:
    """The token the page's forms carry: the reader's cookie, or a new one that `finish` sets."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def csrf_ok(request: Request, sent: str) -> bool:
    """Whether a form post carries the token of the reader's own cookie."""
    token = request.cookies.get(CSRF_COOKIE)
    return bool(token) and bool(sent) and secrets.compare_digest(token or "", sent)


def finish(request: Request, response: Response) -> None:
    """Set the CSRF cookie if this request made a new token."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        _set(request, response, CSRF_COOKIE, token)
