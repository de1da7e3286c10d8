"""The URL grammar: what parse_url accepts, what it rejects, and what it says."""

from __future__ import annotations

import pytest

import unixsocket_url
from unixsocket_url import InvalidAddress, InvalidURL, UnixSocketURL, build_url, parse_url


def test_parse_gives_address_target_and_plain_url() -> None:
    url = parse_url("http+unix://%2Frun%2Fapp.sock/v1/info?verbose=1&x=%2F#frag")
    assert url == UnixSocketURL("http+unix", "/run/app.sock", "/v1/info", "verbose=1&x=%2F")
    assert url.target == "/v1/info?verbose=1&x=%2F"
    assert url.http_url == "http://localhost/v1/info?verbose=1&x=%2F"
    assert not url.is_abstract
    assert url.socket_name == "/run/app.sock"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http+unix://%2Fs", "/"),
        ("http+unix://%2Fs/", "/"),
        ("http+unix://%2Fs?a=1", "/?a=1"),
        ("http+unix://%2Fs#x", "/"),
        ("http+unix://%2Fs/p?", "/p"),
        ("http+unix://%2Fs/a/b/../c", "/a/b/../c"),
    ],
)
def test_target_defaults_to_slash_and_drops_fragments(url: str, target: str) -> None:
    assert parse_url(url).target == target


def test_https_scheme_and_case_insensitive_scheme() -> None:
    url = parse_url("HTTPS+Unix://%2Fs/x")
    assert url.scheme == "https+unix"
    assert url.http_url == "https://localhost/x"


def test_escapes_are_case_insensitive_and_plus_is_a_plus() -> None:
    assert parse_url("http+unix://%2ftmp%2fa+b.sock/").address == "/tmp/a+b.sock"
    assert parse_url("http+unix://%2Ftmp%2Fa%20b.sock/").address == "/tmp/a b.sock"


def test_case_of_the_socket_name_is_kept() -> None:
    assert parse_url("http+unix://%2FRun%2FApp.SOCK/").address == "/Run/App.SOCK"


def test_non_utf8_name_is_bytes() -> None:
    url = parse_url("http+unix://%2Ftmp%2F%FF.sock/")
    assert url.address == b"/tmp/\xff.sock"
    assert url.socket_name == "/tmp/\\xff.sock"


def test_non_ascii_name_raw_or_encoded() -> None:
    assert parse_url("http+unix://%2Ftmp%2Fk%C3%B6ln.sock/").address == "/tmp/köln.sock"
    assert parse_url("http+unix://%2Ftmp%2Fköln.sock/").address == "/tmp/köln.sock"


@pytest.mark.parametrize("url", ["http+unix://%00daemon/status", "http+unix://\0daemon/status"])
def test_abstract_names_both_forms(url: str) -> None:
    parsed = parse_url(url)
    assert parsed.address == "\0daemon"
    assert parsed.is_abstract
    assert parsed.socket_name == "@daemon"
    assert parsed.target == "/status"


def test_abstract_name_may_hold_nul_and_reach_108_bytes() -> None:
    assert parse_url("http+unix://%00a%00b/").address == "\0a\0b"
    longest = "%00" + "n" * 107
    assert len(parse_url(f"http+unix://{longest}/").address) == 108


def test_request_line_breakers_in_path_and_query_are_encoded() -> None:
    url = parse_url("http+unix://%2Fs/a b\r\nX-Evil: 1?q=\r\nv w")
    assert url.target == "/a%20b%0D%0AX-Evil:%201?q=%0D%0Av%20w"
    assert not any(ch in url.target for ch in " \r\n")


def test_stray_percent_in_path_is_encoded_and_escapes_kept() -> None:
    assert parse_url("http+unix://%2Fs/100%/a%2Fb").path == "/100%25/a%2Fb"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http+unix:///run/app.sock/info", "names no socket"),
        ("http+unix://", "names no socket"),
        ("http+unix://user:pw@%2Fs/", "userinfo"),
        ("http+unix://%2Fs:8080/", "no port"),
        ("http+unix://%2Fs%00junk/", "NUL byte at offset 2"),
        ("http+unix://%00/", "empty abstract"),
        ("http+unix://%00" + "n" * 108 + "/", "109 bytes"),
        ("http+unix://%2Fs%zz/", "two hex digits"),
        ("http+unix://%2Fs%4/", "two hex digits"),
        ("http+unix://%2Fa b/", "percent-encode it"),
        ("http+unix://%2Fa\tb/", "percent-encode it"),
        ("http+unix://%2Fa\r\n/", "percent-encode it"),
        ("http://localhost/", "unsupported scheme 'http'"),
        ("unix:///run/x.sock", "unsupported scheme 'unix'"),
        ("%2Frun%2Fx.sock/info", "not a UNIX-socket URL"),
        ("http+unix://%2Fs\udc80/", "lone surrogate"),
    ],
)
def test_rejected_urls_say_what_and_why(url: str, says: str) -> None:
    with pytest.raises(InvalidURL, match=None) as info:
        parse_url(url)
    assert says in str(info.value)


def test_address_errors_are_invalid_address_and_invalid_url_and_value_error() -> None:
    with pytest.raises(InvalidAddress) as info:
        parse_url("http+unix://%2Fs%00junk/")
    assert isinstance(info.value, InvalidURL)
    assert isinstance(info.value, ValueError)
    assert "%2Fs%00junk" in str(info.value)


def test_parse_rejects_non_text() -> None:
    with pytest.raises(TypeError, match="not bytes"):
        parse_url(b"http+unix://%2Fs/")  # type: ignore[arg-type]


def test_str_of_parsed_url_is_canonical() -> None:
    url = parse_url("HTTP+UNIX://%2ftmp%2fs.sock/a?b=1#c")
    assert str(url) == "http+unix://%2Ftmp%2Fs.sock/a?b=1"
    assert parse_url(str(url)) == url


def test_public_surface_is_locked() -> None:
    assert set(unixsocket_url.__all__) == {
        "SCHEMES",
        "CREDENTIAL_HEADERS",
        "ENCODED_PIECE",
        "IDEMPOTENT_METHODS",
        "ConnectAttempt",
        "InvalidAddress",
        "InvalidURL",
        "PeerCredentials",
        "SocketAddress",
        "SocketLike",
        "UnexpectedPeer",
        "UnixConnectError",
        "UnixConnectTimeout",
        "UnixSocketURL",
        "build_url",
        "connect",
        "describe_address",
        "is_abstract",
        "is_unix_url",
        "join_url",
        "normalize_address",
        "normalize_scheme",
        "parse_url",
        "peer_credentials",
        "redirect_refusal",
        "same_socket",
        "split_url",
    }
    for name in unixsocket_url.__all__:
        assert getattr(unixsocket_url, name) is not None


def test_build_then_parse_simple() -> None:
    assert build_url("/run/app.sock", "/v1/info") == "http+unix://%2Frun%2Fapp.sock/v1/info"
