"""Property tests: the round trip for any name, and only InvalidURL for any text."""

from __future__ import annotations

import os

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from unixsocket_url import InvalidAddress, InvalidURL, build_url, parse_socket, parse_url

file_names = st.binary(min_size=1, max_size=300).filter(lambda b: b"\0" not in b)
abstract_names = st.binary(min_size=1, max_size=107).map(lambda b: b"\0" + b)
targets = st.from_regex(
    r"\A/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]+)?\Z"
)


def _expected(name: bytes) -> str | bytes:
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        return name


@given(name=st.one_of(file_names, abstract_names), target=targets)
@example(name=b"/tmp/a b+c%2F:@?#.sock", target="/x")
@example(name=b"\0\xff\0", target="/")
def test_round_trip_for_any_bytes_name(name: bytes, target: str) -> None:
    parsed = parse_url(build_url(name, target))
    assert parsed.address == _expected(name)
    assert parsed.target == target


@given(name=st.text(min_size=1, max_size=100).filter(lambda s: "\0" not in s))
def test_round_trip_for_any_text_name(name: str) -> None:
    try:
        os.fsencode(name)
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte: no file has it
        return
    assert parse_url(build_url(os.fsencode(name))).address == _expected(os.fsencode(name))
    try:
        spec = parse_socket(name)  # a str is a socket spec: "@x" is abstract, "tcp://" refused
    except InvalidAddress:
        with pytest.raises(InvalidAddress):
            build_url(name)
        return
    assert parse_url(build_url(name)).address == spec


@given(st.text())
def test_any_text_parses_or_raises_invalid_url(text: str) -> None:
    try:
        url = parse_url(text)
    except InvalidURL:
        return
    assert url.scheme in ("http+unix", "https+unix")


@given(st.text())
def test_any_text_after_the_scheme_parses_or_raises_invalid_url(text: str) -> None:
    try:
        url = parse_url("http+unix://" + text)
    except InvalidURL:
        return
    assert url.address
    assert url.target.startswith("/")
    assert not any(ch in url.target for ch in " \r\n\0")


@given(st.text(), st.text())
def test_build_url_raises_only_invalid_url_for_text(name: str, path: str) -> None:
    try:
        url = build_url(name, path)
    except InvalidURL:
        return
    assert parse_url(url).address == parse_socket(name)  # a str is a socket spec
