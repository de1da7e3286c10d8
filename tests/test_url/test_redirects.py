"""join_url and redirect_refusal: relative redirects stay on the socket; no redirect into one."""

from __future__ import annotations

import pytest

from unixsocket_url import (
    InvalidURL,
    is_unix_url,
    join_url,
    normalize_scheme,
    redirect_refusal,
    same_socket,
    split_url,
)

BASE = "http+unix://%2Frun%2Fapp.sock/a/b?x=1"


@pytest.mark.parametrize(
    ("location", "joined"),
    [
        ("/landed", "http+unix://%2Frun%2Fapp.sock/landed"),
        ("c", "http+unix://%2Frun%2Fapp.sock/a/c"),
        ("../d?q=2", "http+unix://%2Frun%2Fapp.sock/d?q=2"),
        ("?z=3", "http+unix://%2Frun%2Fapp.sock/a/b?z=3"),
        ("#frag", "http+unix://%2Frun%2Fapp.sock/a/b?x=1"),
        ("//%2Fother.sock/x", "http+unix://%2Fother.sock/x"),
        ("http://example.com/y", "http://example.com/y"),
        ("https+unix://%2Fx/y", "https+unix://%2Fx/y"),
    ],
)
def test_join_keeps_the_socket_for_relative_locations(location: str, joined: str) -> None:
    assert join_url(BASE, location) == joined


HOSTILE = [
    "http+unix:/containers/create",
    "HTTP+UNIX:/containers/create",
    "http+unix:relative",
    "http+unix:///abs/path",
    " http+unix://%2Ftmp%2Fx.sock/",
    "http+unix://%2Ftmp%2Fx.sock/ \t",
    "http+un\tix://%2Ftmp%2Fx.sock/",
    "\nHttps+Unix://%2Ftmp%2Fx.sock/",
    "http+unix://%2Ftmp%2Fx.sock/",
]
"""Location headers that lead a client into a UNIX socket, however they are written."""


@pytest.mark.parametrize(
    ("location", "joined"),
    [
        ("http+unix:/containers/create", "http+unix://%2Frun%2Fapp.sock/containers/create"),
        ("HTTP+UNIX:/x", "http+unix://%2Frun%2Fapp.sock/x"),
        ("http+unix:relative", "http+unix://%2Frun%2Fapp.sock/a/relative"),
        ("http+unix:///abs/path", "http+unix://%2Frun%2Fapp.sock/abs/path"),
        (" http+unix://%2Ftmp%2Fx.sock/ ", "http+unix://%2Ftmp%2Fx.sock/"),
        ("http+un\tix://%2Ftmp%2Fx.sock/", "http+unix://%2Ftmp%2Fx.sock/"),
        ("\t/landed\r\n", "http+unix://%2Frun%2Fapp.sock/landed"),
    ],
)
def test_join_reads_the_location_as_url_parsers_do(location: str, joined: str) -> None:
    assert join_url(BASE, location) == joined


@pytest.mark.parametrize(
    ("location", "joined"),
    [
        ("http+unix:/containers/create", "http+unix://127.0.0.1:8080/containers/create"),
        ("http+unix:relative", "http+unix://127.0.0.1:8080/relative"),
        ("/next", "http://127.0.0.1:8080/next"),
        ("//example.com/x", "http://example.com/x"),
    ],
)
def test_join_on_an_ordinary_origin_takes_its_host(location: str, joined: str) -> None:
    """A socket scheme without a socket name takes the origin's host, as httpx does."""
    assert join_url("http://127.0.0.1:8080/evil", location) == joined


@pytest.mark.parametrize("location", HOSTILE)
def test_every_spelling_of_a_socket_from_tcp_is_refused(location: str) -> None:
    reason = redirect_refusal("http://127.0.0.1:8080/evil", location)
    assert reason is not None
    assert reason.startswith("refused a redirect from http://127.0.0.1:8080 into the UNIX socket")


@pytest.mark.parametrize("location", [h for h in HOSTILE if "%2F" in h])
def test_every_spelling_of_another_socket_is_refused(location: str) -> None:
    reason = redirect_refusal(BASE, location)
    assert reason is not None
    assert "to a different socket '/tmp/x.sock'" in reason


@pytest.mark.parametrize("location", [h for h in HOSTILE if "%2F" not in h])
def test_a_socket_scheme_without_a_name_stays_on_the_socket(location: str) -> None:
    assert redirect_refusal(BASE, location) is None


def test_join_keeps_the_hosts_spelling() -> None:
    assert join_url("http+unix://%2frun%2F%41pp.sock/", "x") == "http+unix://%2frun%2F%41pp.sock/x"


def test_is_unix_url() -> None:
    assert is_unix_url("HTTP+UNIX://%2Fs/")
    assert is_unix_url("https+unix://%2Fs/")
    assert not is_unix_url("http://localhost/")
    assert not is_unix_url("/relative")
    assert is_unix_url("http+unix:/no-authority")
    assert is_unix_url(" \tHTTP+un\tix://%2Fs/")
    assert not is_unix_url("xhttp+unix://%2Fs/")


@pytest.mark.parametrize(
    "source", ["http://example.com/start", "https://example.com:8443/start", "ftp://x/"]
)
def test_redirect_from_another_origin_into_a_socket_is_refused(source: str) -> None:
    reason = redirect_refusal(source, "http+unix://%2Fvar%2Frun%2Fdocker.sock/containers/create")
    assert reason is not None
    assert "'/var/run/docker.sock'" in reason
    assert source.rsplit("/", 1)[0] in reason


def test_redirect_to_a_different_socket_is_refused() -> None:
    reason = redirect_refusal(BASE, "https+unix://%00other/x")
    assert reason == (
        "refused a redirect from the UNIX socket '/run/app.sock' to a different socket "
        "'@other' (https+unix://%00other/x)"
    )


@pytest.mark.parametrize(
    "location",
    [
        "http+unix://%2Frun%2Fapp.sock/elsewhere",
        "http+unix://%2frun%2fapp.sock/any-spelling",
        "https+unix://%2Frun%2Fapp.sock/tls-on-the-same-socket",
        "http://example.com/leaving-is-not-refused-here",
    ],
)
def test_allowed_redirects(location: str) -> None:
    assert redirect_refusal(BASE, location) is None


@pytest.mark.parametrize(
    ("source", "location", "reason"),
    [
        (
            BASE,
            "http+unix://%2Frun%2Fapp.sock:80/x",
            "refused a redirect from the UNIX socket '/run/app.sock' to a malformed UNIX-socket "
            "URL 'http+unix://%2Frun%2Fapp.sock:80/x': a UNIX-socket URL has no port",
        ),
        (
            "http://127.0.0.1:8080/evil",
            "http+unix:/containers/create",
            "refused a redirect from http://127.0.0.1:8080 into the UNIX socket named by "
            "'http+unix://127.0.0.1:8080/containers/create' (malformed: a UNIX-socket URL has "
            "no port",
        ),
    ],
)
def test_a_malformed_socket_target_is_refused_saying_why(
    source: str, location: str, reason: str
) -> None:
    refusal = redirect_refusal(source, location)
    assert refusal is not None
    assert refusal.startswith(reason)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (BASE, "http+unix://%2frun%2fapp.sock/other", True),
        (BASE, "HTTP+UNIX://%2Frun%2Fapp.sock", True),
        (BASE, "https+unix://%2Frun%2Fapp.sock/", False),
        (BASE, "http+unix://%2Frun%2Fother.sock/", False),
        (BASE, "http://localhost/a/b", False),
        ("http+unix://bad:port/", "http+unix://bad:port/", False),
    ],
)
def test_same_socket(a: str, b: str, same: bool) -> None:
    assert same_socket(a, b) is same
    assert same_socket(b, a) is same


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        ("http+unix://%2Fs/a?b#c", ("http+unix", "%2Fs", "/a?b#c")),
        ("http+docker://%2Fs?q", ("http+docker", "%2Fs", "?q")),
        ("http+unix://%2Fs", ("http+unix", "%2Fs", "")),
    ],
)
def test_split_url_keeps_each_part_as_written(url: str, parts: tuple[str, str, str]) -> None:
    assert split_url(url) == parts


def test_normalize_scheme() -> None:
    assert normalize_scheme("HTTPS+Unix://") == "https+unix"
    with pytest.raises(InvalidURL, match="unsupported scheme 'http'; expected"):
        normalize_scheme("http")
