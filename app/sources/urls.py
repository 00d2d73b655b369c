"""URL normalization, so that one document has one source however its link was copied."""

import re
import string
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that track a click, not identify a document.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid"})
DEFAULT_PORTS = {"http": 80, "https": 443}
UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


# A URL whose host, path and query are already in canonical form (the common case): only its
# tracking parameters may have to go. Split by one regex, it skips urlsplit, the path's
# decoding and the query's re-encoding (most of the full normalization's cost), none of which
# would change it.
_PART = r"[A-Za-z0-9._~-]"  # unreserved: never escaped, never decoded
_CANONICAL = re.compile(
    rf"(https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*)"  # scheme and host: lower case, no port
    r"(/[A-Za-z0-9._~/-]*)?"  # path
    rf"(?:\?((?:{_PART}+={_PART}*)(?:&{_PART}+={_PART}*)*)?)?"  # query: name=value pairs
)


class InvalidURL(ValueError):
    pass


def _normalize_path(path: str) -> str:
    # Decode only unreserved characters (RFC 3986 6.2.2.2): decoding `%2F` or `%25` would
    # name another resource, and would not give the same result when normalized again.
    def decode(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in UNRESERVED else match.group(0).upper()

    return quote(PERCENT_ESCAPE.sub(decode, path), safe="/%:@!$&'()*+,;=~-._") or "/"


def _kept(name: str) -> bool:
    """Whether a query parameter identifies the document (not a click's tracking)."""
    name = name.lower()
    return not name.startswith("utm_") and name not in TRACKING_PARAMS


def normalize_url(url: str) -> str:
    """The canonical form of an http(s) URL: lower-case scheme and host, no default port,
    no fragment, no tracking parameters (`utm_*` and click ids), `/` for an empty path."""
    url = url.strip()
    canonical = _CANONICAL.fullmatch(url)
    if canonical is None:
        return _normalize_any(url)
    origin, path, query = canonical.groups()
    if query:
        query = "&".join(pair for pair in query.split("&") if _kept(pair.partition("=")[0]))
    return f"{origin}{path or '/'}?{query}" if query else f"{origin}{path or '/'}"


def _normalize_any(url: str) -> str:
    """Any URL: split, its path's escapes made canonical, its query decoded and re-encoded."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL("must be an http or https URL")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise InvalidURL("must have a host")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidURL("has an invalid port") from exc
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _normalize_path(parts.path)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if _kept(k)]
    )
    return urlunsplit((scheme, netloc, path, query, ""))
