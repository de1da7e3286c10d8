"""build_url: every socket name survives the trip through a URL, exactly."""

from __future__ import annotations

import pathlib

import pytest

from unixsocket_url import InvalidAddress, InvalidURL, build_url, normalize_address, parse_url

NAMES = [
    "/tmp/plain.sock",
    "/tmp/with space.sock",
    "/tmp/a+b.sock",
    "/tmp/100%.sock",
    "/tmp/%2F-not-a-slash.sock",
    "/tmp/c:d@e?f#g&h=i.sock",
    "/tmp/UPPER/Case.Sock",
    "/tmp/köln/日本.sock",
    "relative/dir/s.sock",
    "s.sock",
    "\0abstract",
    "\0with\0nuls and spaces",
    "\0" + "x" * 107,
    "/" + "long/" * 40 + "s.sock",
]


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_str_names(name: str) -> None:
    url = build_url(name, "/v1/x")
    parsed = parse_url(url)
    assert parsed.address == name
    assert parsed.target == "/v1/x"
    assert parsed.is_abstract == name.startswith("\0")


def test_non_utf8_bytes_round_trip_as_bytes() -> None:
    name = b"/tmp/\xff\xfe.sock"
    assert parse_url(build_url(name)).address == name
    assert parse_url(build_url(b"\0\xff")).address == b"\0\xff"


def test_utf8_bytes_come_back_as_str() -> None:
    assert parse_url(build_url("/tmp/ü.sock".encode())).address == "/tmp/ü.sock"


def test_pathlike_is_accepted() -> None:
    path = pathlib.Path("/tmp/sub dir/app.sock")
    assert parse_url(build_url(path)).address == "/tmp/sub dir/app.sock"


def test_encoding_is_quote_not_quote_plus() -> None:
    assert build_url("/a b+c") == "http+unix://%2Fa%20b%2Bc/"


def test_path_is_completed_and_unsafe_characters_encoded() -> None:
    assert build_url("/s", "") == "http+unix://%2Fs/"
    assert build_url("/s", "v1/x") == "http+unix://%2Fs/v1/x"
    assert build_url("/s", "/a b/#frag") == "http+unix://%2Fs/a%20b/%23frag"
    assert build_url("/s", "/a\r\nb") == "http+unix://%2Fs/a%0D%0Ab"
    assert build_url("/s", "/already%20encoded") == "http+unix://%2Fs/already%20encoded"


def test_query_argument_forms() -> None:
    assert build_url("/s", "/p", query="a=1&b=2") == "http+unix://%2Fs/p?a=1&b=2"
    assert build_url("/s", "/p", query={"a": "x y", "b": "/"}) == "http+unix://%2Fs/p?a=x%20y&b=%2F"
    assert build_url("/s", "/p?a=1", query=[("b", "2")]) == "http+unix://%2Fs/p?a=1&b=2"
    assert build_url("/s", "/p", query={}) == "http+unix://%2Fs/p"


def test_scheme_argument() -> None:
    assert build_url("/s", scheme="https+unix").startswith("https+unix://")
    assert build_url("/s", scheme="http+unix://").startswith("http+unix://%2Fs")
    with pytest.raises(InvalidURL, match="unsupported scheme 'http'"):
        build_url("/s", scheme="http")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "empty socket name"),
        ("\0", "empty abstract"),
        ("/tmp/a\0b", "NUL byte at offset 6"),
        ("\0" + "x" * 108, "109 bytes"),
    ],
)
def test_unreachable_names_are_refused(name: str, says: str) -> None:
    with pytest.raises(InvalidAddress) as info:
        build_url(name)
    assert says in str(info.value)


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not int"):
        normalize_address(3)  # type: ignore[arg-type]


def test_built_urls_survive_a_lowercased_host() -> None:
    url = build_url("/run/App.SOCK", "/Path")
    assert url == "http+unix://%2Frun%2F%41pp.%53%4F%43%4B/Path"
    host, _, target = url.partition("://")[2].partition("/")
    lowered = f"http+unix://{host.lower()}/{target}"
    assert parse_url(lowered).address == "/run/App.SOCK"
