"""What a source must satisfy beyond its schema: a URL that normalizes, a content hash that
matches its text. Shared by the source service and the bulk import, so both refuse exactly the
same sources and store the same derived values."""

import hashlib

from app.errors import InvalidField
from app.sources.urls import InvalidURL, normalize_url


def sha256_hex(text: str) -> str:
    """The SHA-256 of the text's UTF-8 bytes, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalized_url(url: str | None) -> str | None:
    """The URL as stored (see urls.normalize_url); 422 naming `url` if it is not one."""
    if url is None:
        return None
    try:
        return normalize_url(url)
    except InvalidURL as exc:
        raise InvalidField("url", str(exc)) from exc


def content_hash_for(text: str | None, given: str | None) -> str | None:
    """The content hash stored: the text's own when the text is held (422 if `given` differs
    from it), else the hash as given."""
    if text is None:
        return given
    actual = sha256_hex(text)
    if given is not None and given != actual:
        raise InvalidField("content_hash", "does not match the SHA-256 of text")
    return actual
