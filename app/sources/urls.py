"""URL normalization, so that one document has one source however its link was copied."""

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that track a click, not identify a document.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid"})
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidURL(ValueError):
    pass


def normalize_url(url: str) -> str:
    """The canonical form of an http(s) URL: lower-case scheme and host, no default port,
    no fragment, no tracking parameters (`utm_*` and click ids), `/` for an empty path."""
    parts = urlsplit(url.strip())
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
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=~-._") or "/"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ]
    )
    return urlunsplit((scheme, netloc, path, query, ""))
