"""The URL a client request carries: what httpx makes of the canonical URL, whether httpx parses
all of it or only the socket's root (a new path on a known socket is not re-parsed)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from support.httpx_flavor import Client, httpx

from unixsocket_url import build_url, parse_url

SOCKETS = [
    "/run/app.sock",
    "/run/App Dir/Ünï.sock",
    b"\0Abstract",
    b"/tmp/\xff.sock",
    b"@relative.sock",  # file names a socket spec would read otherwise
    b"unix:relative.sock",
]
TARGETS = [
    "/",
    "",
    "?q=1",
    "/v1.43/containers/json?all=1&filters=%7B%22a%22%3A1%7D",
    "/a b/ü?x=a b&y=ü€",
    "/%7e%7E/%zz?%zz=%41",
    "/p#fragment",
    "/p?q#f?g",
    "/p?",
    "//double//slash",
    "/a;b=c/@:!$&'()*+,=~",
    "/q?x=/?:@[]",
    "/.hidden/..name/x.",
    "/a/./b/../c",
    "/a/b/..",
    "/..",
    "/a/.?x=/../",
    "/%2e%2E/x",
    "/" + "x" * 9000,
    "/" + "x" * 70000,
]


def _as_httpx_parses(url: str) -> httpx.URL | str:
    """The canonical URL parsed by httpx as a whole (what the clients sent before the fast
    path), or the message of the error it raises."""
    try:
        return httpx.URL(str(parse_url(url)))
    except httpx.InvalidURL as exc:
        return f"InvalidURL: {exc}"


def _as_client_sends(client: Any, url: str) -> httpx.URL | str:
    try:
        return client.build_request("GET", url).url  # type: ignore[no-any-return]
    except httpx.InvalidURL as exc:
        return f"InvalidURL: {exc}"


def _same(got: httpx.URL | str, expected: httpx.URL | str) -> None:
    if isinstance(expected, str):
        assert got == expected
        return
    assert isinstance(got, httpx.URL)
    assert str(got) == str(expected)
    for part in ("scheme", "raw_host", "port", "raw_path", "path", "query", "fragment"):
        assert getattr(got, part) == getattr(expected, part), part
    assert got.params == expected.params


@pytest.mark.parametrize("socket", SOCKETS, ids=repr)
def test_request_url_is_httpx_parse_of_the_canonical_url(socket: str | bytes) -> None:
    with Client() as client:
        for target in TARGETS:
            url = build_url(socket, "/") + target.lstrip("/")
            for _ in range(2):  # a new URL, then the same one again
                _same(_as_client_sends(client, url), _as_httpx_parses(url))


def test_dot_segments_are_removed_as_httpx_removes_them() -> None:
    with Client() as client:
        url = client.build_request("GET", build_url("/run/app.sock", "/a/./b/../c?d=/../")).url
    assert url.raw_path == b"/a/c?d=/../"


def test_a_url_past_httpx_length_limit_is_refused_as_httpx_refuses_it() -> None:
    with Client() as client, pytest.raises(httpx.InvalidURL, match="URL too long"):
        client.build_request("GET", build_url("/run/app.sock", "/" + "x" * 70000))


@given(target=st.text(max_size=40))
@example(target="/a/..")
@example(target="/x/./%2e/y?z#w")
def test_any_text_after_a_socket(target: str) -> None:
    url = build_url("/run/App.sock", "/") + target
    with Client() as client:
        _same(_as_client_sends(client, url), _as_httpx_parses(url))
