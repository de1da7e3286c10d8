"""wait_for_socket: polling until a server, perhaps in another process, accepts connections."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
from typing import TYPE_CHECKING, Any

import pytest

import unixsocket_url
from unixsocket_testutils import UnixSocketServerThread, wait_for_socket

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture
def short_dir() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="t-", dir="/tmp") as directory:
        yield directory


def request_on(server: UnixSocketServerThread) -> int:
    """Make one request; the index of the connection it came on."""
    with unixsocket_url.connect(server.address, timeout=10) as sock, sock.makefile("rb") as stream:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert stream.read().endswith(b"Hello world!")
    return server.requests[-1].connection_index


def test_waits_for_a_server_that_starts_later() -> None:
    server = UnixSocketServerThread()
    later = threading.Timer(0.05, server.start)
    later.start()
    try:
        wait_for_socket(server.usock, timeout=10)
        assert request_on(server) == 1  # connection 0 was the probe, accepted first
    finally:
        later.join()
        server.stop()


@pytest.mark.parametrize("form", [str, os.fsencode, pathlib.Path])
def test_returns_at_once_for_a_listening_socket(
    unix_server: UnixSocketServerThread, form: Callable[[str], Any]
) -> None:
    wait_for_socket(form(unix_server.usock), timeout=10)
    assert request_on(unix_server) == 1
    assert len(unix_server.requests) == 1  # the probe sent nothing


def test_timeout_names_the_socket_and_the_last_error(short_dir: str) -> None:
    missing = os.path.join(short_dir, "missing.sock")
    with pytest.raises(TimeoutError) as caught:
        wait_for_socket(missing, timeout=0.05)
    message = str(caught.value)
    assert f"UNIX socket '{missing}' accepted no connection within 0.05 s" in message
    assert "no such file or directory" in message
    assert isinstance(caught.value.__cause__, unixsocket_url.UnixConnectError)


def test_stale_socket_file_times_out(short_dir: str) -> None:
    stale = os.path.join(short_dir, "stale.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bound_only:
        bound_only.bind(stale)
        with pytest.raises(TimeoutError, match="connection refused"):
            wait_for_socket(stale, timeout=0.02)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_abstract_names(abstract_unix_server: UnixSocketServerThread) -> None:
    wait_for_socket(abstract_unix_server.usock, timeout=10)
    assert request_on(abstract_unix_server) == 1
    with pytest.raises(TimeoutError, match="'@no-such-abstract-name-here'"):
        wait_for_socket("\0no-such-abstract-name-here", timeout=0.02)


def test_fails_fast_when_the_server_process_exits(short_dir: str) -> None:
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match=f"process {process.pid} exited with code 3"):
        wait_for_socket(os.path.join(short_dir, "never.sock"), timeout=60, process=process)
    assert process.returncode == 3


def test_invalid_address_is_refused_before_waiting() -> None:
    with pytest.raises(unixsocket_url.InvalidAddress):
        wait_for_socket("/tmp/a\0b", timeout=60)
