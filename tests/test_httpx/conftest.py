"""Fixtures for the httpx flavor: anyio backends, private socket directories, scripted servers."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from unixsocket_testutils import server_process

HERE = Path(__file__).parent


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test runs on asyncio and on trio."""
    return str(request.param)


def read_head(conn: socket.socket) -> bytes:
    """Read a request head (up to the blank line) from *conn*; the body is left unread."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class ScriptedServer:
    """A raw-socket server on a UNIX socket: each accepted connection goes to *handler*.

    For faults a real server cannot produce. Handlers synchronise with events, never sleeps;
    ``stop()`` sets ``release``, closes the listener and joins the threads.
    """

    def __init__(self, path: str, handler: Callable[[socket.socket], None], backlog: int = 8):
        self.path = path
        self.handler = handler
        self.release = threading.Event()
        self.accepted = 0
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(backlog)
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._conns.append(conn)
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            self.handler(conn)

    def stop(self) -> None:
        self.release.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self._accepting.join(5)
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for worker in self._threads:
            worker.join(5)
        for conn in self._conns:
            conn.close()


@pytest.fixture
def scripted(sockdir: str) -> Iterator[Callable[[Callable[[socket.socket], None]], ScriptedServer]]:
    """``scripted(handler)`` starts a :class:`ScriptedServer` at ``<sockdir>/s.sock``."""
    servers: list[ScriptedServer] = []

    def start(handler: Callable[[socket.socket], None]) -> ScriptedServer:
        server = ScriptedServer(os.path.join(sockdir, f"s{len(servers)}.sock"), handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def uvicorn_socket() -> Iterator[str]:
    """A real server: uvicorn serving ``asgi_app:app`` (beside this file) with ``--uds``."""
    directory = tempfile.mkdtemp(prefix="hxu-", dir="/tmp")
    path = os.path.join(directory, "Uvicorn.sock")  # mixed case on purpose
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "asgi_app:app",
        "--app-dir",
        str(HERE),
        "--uds",
        path,
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    try:
        with server_process(command, path):
            yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)
