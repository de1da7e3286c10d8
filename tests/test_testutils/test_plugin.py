"""The pytest plugin, registered by the ``pytest11`` entry point, in real pytest sessions."""

from __future__ import annotations

import os
import sys

import pytest

INNER_TESTS = """
import socket
import sys

import pytest


def get(address):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(address)
        sock.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        with sock.makefile("rb") as stream:
            return stream.read()


def remember(server):
    with open("sockets.txt", "a") as file:
        file.write(repr(server.usock) + "\\n")


def test_unix_server(unix_server):
    remember(unix_server)
    assert get(unix_server.address).endswith(b"Hello world!")


def test_factory(unix_server_factory):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "6")])
        return [b"custom"]

    custom, default = unix_server_factory(app), unix_server_factory()
    remember(custom)
    remember(default)
    assert get(custom.address).endswith(b"custom")
    assert get(default.address).endswith(b"Hello world!")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_abstract(abstract_unix_server):
    assert abstract_unix_server.usock.startswith("\\0")
    assert get(abstract_unix_server.address).endswith(b"Hello world!")
"""


def remembered_sockets(pytester: pytest.Pytester) -> list[str]:
    lines = (pytester.path / "sockets.txt").read_text().splitlines()
    return [line.strip("'") for line in lines]


def test_plugin_is_registered_by_its_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "*-- fixtures defined from unixsocket_testutils.pytest_plugin --*",
            "unix_server -- *",
            "abstract_unix_server -- *",
            "unix_server_factory -- *",
        ]
    )


def test_fixtures_serve_and_clean_up(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(INNER_TESTS)
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=3 if sys.platform.startswith("linux") else 2, skipped=0)
    sockets = remembered_sockets(pytester)
    assert len(sockets) == 3
    assert all(path.startswith("/tmp/us-") for path in sockets)
    assert not any(os.path.exists(os.path.dirname(path)) for path in sockets)


def test_fixtures_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        **{f"test_copy_{number}": INNER_TESTS for number in range(4)},
    )
    result = pytester.runpytest_subprocess("-n", "2", "-W", "error")
    tests = 12 if sys.platform.startswith("linux") else 8
    result.assert_outcomes(passed=tests)
    sockets = remembered_sockets(pytester)
    assert len(sockets) == len(set(sockets)) == 12
    assert not any(os.path.exists(path) for path in sockets)
