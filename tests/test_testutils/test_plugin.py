"""The pytest plugin, registered by the ``pytest11`` entry point, in real pytest sessions.

Only ``abstract_unix_server`` depends on the platform (it skips where abstract names do not
exist): the sessions run once as Linux and once as macOS, by setting ``sys.platform`` inside
them, on any machine where Linux's branch can run.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys

import pytest

import unixsocket_testutils.pytest_plugin

FIXTURES = ("unix_server", "abstract_unix_server", "unix_server_factory", "scripted_server_factory")
PLATFORMS = {
    # sys.platform -> the outcomes of INNER_TESTS there: abstract names exist on Linux only
    "linux": {"passed": 3, "skipped": 0},
    "darwin": {"passed": 2, "skipped": 1},
}
PLATFORM_CONFTEST = """
import sys

import pytest


@pytest.fixture(autouse=True)
def platform(monkeypatch):
    monkeypatch.setattr(sys, "platform", {platform!r})
"""

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


def test_abstract(abstract_unix_server):  # the fixture skips where there are no abstract names
    assert abstract_unix_server.usock.startswith("\\0")
    assert get(abstract_unix_server.address).endswith(b"Hello world!")
"""


def remembered_sockets(pytester: pytest.Pytester) -> list[str]:
    lines = (pytester.path / "sockets.txt").read_text().splitlines()
    return [line.strip("'") for line in lines]


def on_platform(platform: str) -> str:
    """*platform*, skipping the test where its branch cannot run on this machine."""
    if platform == "linux" and not sys.platform.startswith("linux"):
        pytest.skip("abstract names need a Linux kernel")
    return platform


def test_plugin_is_registered_by_its_entry_point(pytester: pytest.Pytester) -> None:
    distribution = importlib.metadata.distribution("unixsocket-testutils")
    (entry_point,) = [ep for ep in distribution.entry_points if ep.group == "pytest11"]
    assert entry_point.name == "unixsocket"
    assert entry_point.value == "unixsocket_testutils.pytest_plugin"
    config = pytester.parseconfig()  # no conftest, no -p: only the entry point can load it
    assert config.pluginmanager.get_plugin("unixsocket") is unixsocket_testutils.pytest_plugin
    result = pytester.runpytest("--fixtures")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*- fixtures defined from unixsocket_testutils.pytest_plugin -*"])
    assert plugin_fixtures(result) == set(FIXTURES)
    blocked = pytester.runpytest("-p", "no:unixsocket", "--fixtures")
    assert plugin_fixtures(blocked) == set()


def plugin_fixtures(result: pytest.RunResult) -> set[str]:
    """The fixtures ``pytest --fixtures`` lists as defined in unixsocket_testutils' plugin."""
    where = "/unixsocket_testutils/pytest_plugin.py:"
    return {line.split(" -- ")[0] for line in result.outlines if where in line}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_fixtures_serve_and_clean_up(pytester: pytest.Pytester, platform: str) -> None:
    pytester.makeconftest(PLATFORM_CONFTEST.format(platform=on_platform(platform)))
    pytester.makepyfile(INNER_TESTS)
    result = pytester.runpytest("-W", "error", "-rs")
    result.assert_outcomes(**PLATFORMS[platform])
    if PLATFORMS[platform]["skipped"]:
        result.stdout.fnmatch_lines(["SKIPPED * abstract UNIX socket names exist only on Linux"])
    sockets = remembered_sockets(pytester)
    assert len(sockets) == 3  # unix_server, and the factory's two: abstract names are not files
    assert all(path.startswith("/tmp/us-") for path in sockets)
    assert not any(os.path.exists(os.path.dirname(path)) for path in sockets)


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_fixtures_under_xdist(pytester: pytest.Pytester, platform: str) -> None:
    pytester.makeconftest(PLATFORM_CONFTEST.format(platform=on_platform(platform)))
    pytester.makepyfile(
        **{f"test_copy_{number}": INNER_TESTS for number in range(4)},
    )
    result = pytester.runpytest_subprocess("-n", "2", "-W", "error")
    result.assert_outcomes(**{outcome: 4 * n for outcome, n in PLATFORMS[platform].items()})
    sockets = remembered_sockets(pytester)
    assert len(sockets) == len(set(sockets)) == 12
    assert not any(os.path.exists(path) for path in sockets)
