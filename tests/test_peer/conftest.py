"""Fixtures for peer identity: every flavor (tests/support/flavors.py), and a raw HTTP listener
run by another user."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import pytest
from support.flavor_fixtures import flavor  # noqa: F401 (a fixture)

from unixsocket_testutils import server_process
from unixsocket_url import UnexpectedPeer, build_url

OTHER_UID = 65534
"""The user ``nobody`` (and its group): the server of :func:`other_user_server`."""

MARK = b"mark"
"""What :meth:`OtherUserServer.connections` sends on a connection of its own to flush the log."""

# The listener drops to the other user *before* it listens: SO_PEERCRED reports the credentials
# of the listen() call. It runs from the test environment's interpreter (under /root, which
# `nobody` could not execute), started as root; only the standard library is imported, first.
LISTENER = r"""
import json, os, socket, sys

directory, uid = sys.argv[1], int(sys.argv[2])
os.setgroups([])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
    listener.bind(os.path.join(directory, "s.sock"))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        data = b""
        with conn:
            conn.settimeout(10)
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                if b"\r\n\r\n" in data:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                 b"Connection: close\r\n\r\nok")
            except OSError:
                pass
        with open(os.path.join(directory, "log"), "a") as log:
            log.write(json.dumps({"received": len(data), "mark": data == b"mark"}) + "\n")
"""


def unexpected_peer(error: BaseException | None) -> UnexpectedPeer:
    """The :class:`UnexpectedPeer` that *error* (a flavor's refusal) was raised from, directly or
    through the error of the layer below (``raise ... from``)."""
    while error is not None and not isinstance(error, UnexpectedPeer):
        error = error.__cause__
    assert error is not None, "the refusal was not raised from UnexpectedPeer"
    return error


class OtherUserServer:
    """A one-connection-at-a-time HTTP listener run as uid/gid 65534, logging what it read.

    Every request gets ``200 ok`` and the connection is closed.
    """

    def __init__(self, directory: str, process: subprocess.Popen[bytes]) -> None:
        self.path = os.path.join(directory, "s.sock")
        self.url = build_url(self.path, "/secret")
        self.pid = process.pid
        self._log = os.path.join(directory, "log")
        self._seen = 0

    def connections(self, timeout: float = 10.0) -> list[int]:
        """The bytes received on each connection accepted since the last call, in order.

        A connection of our own that sends :data:`MARK` goes last (the listener serves
        connections in turn), so everything accepted before it is in the log once it is.
        """
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(self.path)
            sock.sendall(MARK)
            sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + timeout
        while True:
            entries = self._entries()[self._seen :]
            marks = [i for i, entry in enumerate(entries) if entry["mark"]]
            if marks:
                self._seen += marks[0] + 1
                return [entry["received"] for entry in entries[: marks[0]]]
            assert time.monotonic() < deadline, "the listener never logged the mark"
            time.sleep(0.01)

    def _entries(self) -> list[dict[str, int]]:
        try:
            with open(self._log) as log:
                return [json.loads(line) for line in log if line.endswith("\n")]
        except FileNotFoundError:
            return []


@pytest.fixture
def other_user_server(other_user_listener: OtherUserServer) -> OtherUserServer:
    """:func:`other_user_listener`, its log read up to now: a test sees its own connections."""
    other_user_listener.connections()
    return other_user_listener


@pytest.fixture(scope="module")
def other_user_listener() -> Iterator[OtherUserServer]:
    """An HTTP listener on a UNIX socket, run by another user than the tests (needs root)."""
    if os.geteuid() != 0:
        pytest.skip("serving as another user needs root (to switch to uid 65534)")
    directory = tempfile.mkdtemp(prefix="peer-", dir="/tmp")
    os.chown(directory, OTHER_UID, OTHER_UID)  # only nobody (and root) may enter
    command = [sys.executable, "-c", LISTENER, directory, str(OTHER_UID)]
    try:
        with server_process(command, os.path.join(directory, "s.sock")) as process:
            yield OtherUserServer(directory, process)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
