"""server_process: a real server process for the length of a with-block."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

import unixsocket_url
from unixsocket_testutils import _process, server_process


@pytest.fixture
def socket_path() -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="sp-", dir="/tmp")
    yield os.path.join(directory, "app.sock")
    shutil.rmtree(directory)


def _get(path: str) -> bytes:
    with unixsocket_url.connect(path, timeout=5) as sock, sock.makefile("rb") as response:
        sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        return response.read()


def test_the_block_starts_when_the_socket_accepts_and_ends_with_the_process(
    socket_path: str,
) -> None:
    command = [sys.executable, "-m", "unixsocket_testutils", "--socket", socket_path]
    with server_process(command, socket_path, stdout=subprocess.DEVNULL) as process:
        assert process.poll() is None
        assert _get(socket_path).endswith(b'\r\n\r\n{"status": "ok"}')  # the demo application
    assert process.returncode == 0  # SIGTERM: the CLI exits cleanly and removes its socket
    assert not os.path.exists(socket_path)


def test_a_process_that_dies_before_listening(socket_path: str) -> None:
    command = [sys.executable, "-c", "raise SystemExit(3)"]
    with (
        pytest.raises(RuntimeError, match="exited with code 3"),
        server_process(command, socket_path),
    ):
        pytest.fail("the block must not run")  # pragma: no cover


def test_a_process_that_ignores_sigterm_is_killed(
    socket_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_process, "STOP_TIMEOUT", 0.2)
    script = (
        "import signal, socket, sys\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)\n"
        "signal.pause()\n"
    )
    with server_process([sys.executable, "-c", script, socket_path], socket_path) as process:
        pass
    assert process.returncode == -signal.SIGKILL
