"""``python -m unixsocket_testutils``, run as a real process and stopped with real signals."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from typing import TYPE_CHECKING, NamedTuple

import pytest

import unixsocket_url

if TYPE_CHECKING:
    from collections.abc import Iterator


class Announcement(NamedTuple):
    url: str
    curl: str


@pytest.fixture
def short_dir() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="t-", dir="/tmp") as directory:
        yield directory


@contextlib.contextmanager
def command(*args: str, cwd: str | None = None) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "unixsocket_testutils", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    with process:
        try:
            yield process
        finally:
            if process.poll() is None:  # the test failed: stop the server, cleaning up if it can
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def announcement(process: subprocess.Popen[str]) -> Announcement:
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("Serving on UNIX socket "), first + process.communicate()[1]
    url = process.stdout.readline().strip().removeprefix("URL:").strip()
    curl = process.stdout.readline().strip().removeprefix("curl:").strip()
    return Announcement(url, curl)


def get(address: unixsocket_url.SocketAddress, target: str = "/") -> bytes:
    with unixsocket_url.connect(address, timeout=10) as sock, sock.makefile("rb") as stream:
        sock.sendall(f"GET {target} HTTP/1.0\r\n\r\n".encode())
        return stream.read()


def test_serves_until_interrupted() -> None:
    with command() as process:
        url, curl = announcement(process)
        address = unixsocket_url.parse_url(url).address
        assert isinstance(address, str)
        assert curl == f"curl --unix-socket {address} http://localhost/v1/info"
        assert get(address, "/").endswith(b"\r\n\r\nHello world!")
        assert json.loads(get(address, "/v1/info").partition(b"\r\n\r\n")[2])["socket"] == address
        assert get(address, "/x?y=1").startswith(b"HTTP/1.1 404 Not Found\r\n")
        assert os.path.exists(address)
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    assert not os.path.exists(address)
    assert not os.path.exists(os.path.dirname(address))


def test_socket_option_and_sigterm(short_dir: str) -> None:
    path = os.path.join(short_dir, "cli.sock")
    with command("--socket", path) as process:
        url, _ = announcement(process)
        assert unixsocket_url.parse_url(url).address == path
        assert b"X-Socket-Path: " + path.encode() in get(path)
        assert process.stdout is not None
        routes = process.stdout.readline()
        assert routes == "  routes: /, /v1/info, /health, /echo, /redirect, /stream\n"
        process.terminate()
        assert process.wait(10) == 0
        assert process.stderr is not None
        assert process.stderr.read() == ""
    assert not os.path.exists(path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_abstract_option() -> None:
    name = f"utils-cli-{os.getpid()}"
    with command("--abstract", name) as process:
        url, curl = announcement(process)
        assert unixsocket_url.parse_url(url).address == "\0" + name
        assert curl == f"curl --abstract-unix-socket {name} http://localhost/v1/info"
        assert b"X-Socket-Path: @" + name.encode() in get("\0" + name)
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0


def test_app_option(short_dir: str) -> None:
    with open(os.path.join(short_dir, "cli_app.py"), "w") as module:
        module.write(
            textwrap.dedent(
                """
                class Apps:
                    @staticmethod
                    def teapot(environ, start_response):
                        start_response("418 I'm a teapot", [("Content-Length", "5")])
                        return [b"short"]
                """
            )
        )
    with command("--app", "cli_app:Apps.teapot", cwd=short_dir) as process:
        url, curl = announcement(process)
        assert curl.endswith(" http://localhost/")  # the demo's routes are not this app's
        address = unixsocket_url.parse_url(url).address
        response = get(address)
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    assert response.startswith(b"HTTP/1.1 418 I'm a teapot\r\n")
    assert response.endswith(b"\r\n\r\nshort")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app", "no_such_module_here:app"], "No module named 'no_such_module_here'"),
        (["--app", "os"], "expected MODULE:CALLABLE"),
        (["--app", "os:sep"], "sep is not callable"),
        (["--socket", "a", "--abstract", "b"], "not allowed with argument"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    with command(*args) as process:
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert message in stderr


def test_cannot_listen(short_dir: str) -> None:
    with command("--socket", short_dir) as process:
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert f"cannot listen on '{short_dir}'" in stderr
    assert os.path.isdir(short_dir)
