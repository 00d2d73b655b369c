"""URL normalization: one document, one URL, however its link was copied."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sources import urls
from app.sources.urls import InvalidURL, normalize_url

# The scheme, host, port and fragment.
SCHEME_HOST_PORT_FRAGMENT = [
    ("https://example.org/a", "https://example.org/a"),
    ("HTTPS://Example.ORG/a", "https://example.org/a"),
    ("https://example.org/Path/Case", "https://example.org/Path/Case"),
    ("  https://example.org/a \n", "https://example.org/a"),
    ("https://example.org", "https://example.org/"),
    ("https://example.org?x=1", "https://example.org/?x=1"),
    ("https://example.org:443/a", "https://example.org/a"),
    ("http://example.org:80/a", "http://example.org/a"),
    ("http://example.org:443/a", "http://example.org:443/a"),
    ("https://example.org:8443/a", "https://example.org:8443/a"),
    ("https://example.org/a#section-2", "https://example.org/a"),
    ("https://example.org/a?#", "https://example.org/a"),
    ("https://example.org./a", "https://example.org/a"),
    ("https://user:secret@example.org/a", "https://example.org/a"),
    ("https://[2001:DB8::1]:8080/a", "https://[2001:db8::1]:8080/a"),
]

# The query: tracking parameters dropped, the rest kept as it is.
QUERY = [
    ("https://e.org/a?utm_source=x&utm_medium=y&utm_campaign=z", "https://e.org/a"),
    ("https://e.org/a?id=7&utm_source=x", "https://e.org/a?id=7"),
    ("https://e.org/a?UTM_Source=x&id=7", "https://e.org/a?id=7"),
    ("https://e.org/a?fbclid=1&gclid=2&dclid=3&msclkid=4", "https://e.org/a"),
    ("https://e.org/a?mc_cid=1&mc_eid=2&igshid=3&p=2", "https://e.org/a?p=2"),
    ("https://e.org/a?b=2&a=1", "https://e.org/a?b=2&a=1"),  # order is meaningful
    ("https://e.org/a?q=north+korea", "https://e.org/a?q=north+korea"),
    ("https://e.org/a?q=a%2Bb", "https://e.org/a?q=a%2Bb"),
    ("https://e.org/a?flag", "https://e.org/a?flag="),
    ("https://e.org/a?utm=kept", "https://e.org/a?utm=kept"),
]

# The path's percent-encoding.
PATH_ENCODING = [
    ("https://e.org/a b", "https://e.org/a%20b"),
    ("https://e.org/caf\u00e9", "https://e.org/caf%C3%A9"),
    ("https://e.org/caf%c3%a9", "https://e.org/caf%C3%A9"),
    ("https://e.org/%7Euser/%41", "https://e.org/~user/A"),
    ("https://e.org/a%2Fb", "https://e.org/a%2Fb"),  # an encoded slash is not a slash
    ("https://e.org/a%2fb", "https://e.org/a%2Fb"),
    ("https://e.org/100%25", "https://e.org/100%25"),
    ("https://e.org/a%2541", "https://e.org/a%2541"),
    ("https://e.org/a%3Fb", "https://e.org/a%3Fb"),
]


@pytest.mark.parametrize(("url", "expected"), SCHEME_HOST_PORT_FRAGMENT + QUERY + PATH_ENCODING)
def test_normalizes(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("https://News.Example.com:443/s?id=1#top", "https://news.example.com/s?id=1&utm_source=t"),
        ("https://e.org/caf\u00e9", "https://e.org/caf%C3%A9"),
        ("https://e.org/~x", "https://e.org/%7ex"),
    ],
)
def test_copies_of_one_link_agree(left: str, right: str) -> None:
    assert normalize_url(left) == normalize_url(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("https://e.org/a", "http://e.org/a"),
        ("https://e.org/a", "https://e.org/A"),
        ("https://e.org/a/b", "https://e.org/a%2Fb"),
        ("https://e.org/a%2541", "https://e.org/aA"),
        ("https://e.org/a?id=1", "https://e.org/a?id=2"),
        ("https://e.org:8443/a", "https://e.org/a"),
    ],
)
def test_different_documents_stay_apart(left: str, right: str) -> None:
    assert normalize_url(left) != normalize_url(right)


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://Example.org:443/a%2fb/caf\u00e9/%7e?utm_x=1&q=a+b&k=%25#f",
        "https://e.org/100%25/a%2541?x=%2541",
        "http://e.org:8080/a b/%zz",
        "https://[::1]/x",
    ],
)
def test_is_idempotent(url: str) -> None:
    once = normalize_url(url)
    assert normalize_url(once) == once


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file",
        "mailto:someone@example.org",
        "javascript:alert(1)",
        "example.org/no-scheme",
        "//example.org/a",
        "",
        "https://",
        "https:///path-only",
        "https://example.org:99999/",
        "https://example.org:port/",
    ],
)
def test_rejects(url: str) -> None:
    with pytest.raises(InvalidURL):
        normalize_url(url)


# URLs near the canonical form: mostly inside it, some a character outside (upper case, an
# escape, a port, a bare or empty parameter, a fragment, ...).
_CHARS = "abcXYZ019._~-"
_ODD = ["", "A", "%41", "%2f", "+", ":8080", ":443", "#x", "?", "&", "=", " ", "é", ".", "/"]
_part = st.text(alphabet=_CHARS, max_size=6)
_odd = st.sampled_from([""] * len(_ODD) + _ODD)  # half the time nothing odd


@st.composite
def _near_canonical(draw: st.DrawFn) -> str:
    host = ".".join(draw(st.lists(st.text("abc019-", min_size=1, max_size=5), min_size=1)))
    path = "".join(draw(st.lists(st.one_of(_part.map("/{}".format), _odd), max_size=4)))
    params = draw(
        st.lists(
            st.tuples(st.sampled_from(["id", "p", "utm_source", "UTM_x", "fbclid", "q"]), _part),
            max_size=3,
        )
    )
    query = "&".join(f"{k}={v}" for k, v in params)
    scheme = draw(st.sampled_from(["https", "http", "HTTPS"]))
    return f"{scheme}://{host}{draw(_odd)}{path}{'?' + query if params else draw(_odd)}"


@settings(max_examples=400, deadline=None)
@given(_near_canonical())
def test_the_fast_path_agrees_with_the_full_normalization(url: str) -> None:
    try:
        expected = urls._normalize_any(url.strip())
    except InvalidURL:
        with pytest.raises(InvalidURL):
            normalize_url(url)
        return
    assert normalize_url(url) == expected
    assert normalize_url(expected) == expected
