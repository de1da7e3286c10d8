"""join_url and redirect_refusal: relative redirects stay on the socket; no redirect into one."""

from __future__ import annotations

import pytest

from unixsocket_url import is_unix_url, join_url, redirect_refusal

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


def test_join_keeps_the_hosts_spelling() -> None:
    assert join_url("http+unix://%2frun%2F%41pp.sock/", "x") == "http+unix://%2frun%2F%41pp.sock/x"


def test_is_unix_url() -> None:
    assert is_unix_url("HTTP+UNIX://%2Fs/")
    assert is_unix_url("https+unix://%2Fs/")
    assert not is_unix_url("http://localhost/")
    assert not is_unix_url("/relative")


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
