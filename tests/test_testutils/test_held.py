"""A server on the other end of a held socket: ``--fd`` and ``connected_server``."""

from __future__ import annotations

import http.client
import os
import pathlib
import socket
import subprocess
import sys

import pytest
from support.held import over_scm_rights

import unixsocket_url
from unixsocket_testutils import UnixSocketServerThread, connected_server


def exchange(sock: socket.socket, target: str) -> tuple[int, bytes]:
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, response.read()


def test_connected_server_answers_on_one_kept_alive_connection() -> None:
    with connected_server() as sock:
        assert exchange(sock, "/health") == (200, b'{"status": "ok"}')
        status, body = exchange(sock, "/missing")
        assert status == 404
        assert b"/missing" in body


def test_a_descriptor_passed_over_scm_rights_is_the_same_connection() -> None:
    with connected_server("unixsocket_testutils:hello_app") as sock:
        received = over_scm_rights(sock)
        with received:
            assert sock.fileno() == -1
            assert exchange(received, "/") == (200, b"Hello world!")


def serve_fd(sock: socket.socket) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unixsocket_testutils", "--fd", str(sock.fileno())],
        pass_fds=[sock.fileno()],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_fd_mode_exits_when_the_peer_closes() -> None:
    parent, child = socket.socketpair()
    with parent, child:
        parent.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        result = serve_fd(child)
        assert result.returncode == 0, result.stderr
        assert parent.recv(65536).startswith(b"HTTP/1.1 200 ")


def test_fd_mode_refuses_a_tcp_socket() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        result = serve_fd(tcp)
        fd = tcp.fileno()
    assert result.returncode == 1
    assert f"socket '--fd {fd}' is AF_INET, not an AF_UNIX socket" in result.stderr


@pytest.mark.parametrize("spec", ["unix://{}", "{}"])
def test_a_server_path_is_a_socket_spec(sockdir: str, spec: str) -> None:
    path = os.path.join(sockdir, "app.sock")
    with UnixSocketServerThread(path=spec.format(path)) as server:
        assert server.address == path
        assert unixsocket_url.parse_url(server.url_for("/x")).address == path


def test_an_at_spec_binds_an_abstract_name() -> None:
    name = f"t-held-{os.getpid()}"
    with UnixSocketServerThread(path=f"@{name}") as server:
        assert server.address == "\0" + name


def test_url_for_names_a_relative_at_path_exactly(
    sockdir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket file really named ``@x`` (given as a Path, so not a spec) keeps its URL."""
    monkeypatch.chdir(sockdir)
    with UnixSocketServerThread(path=pathlib.Path("@x")) as server:
        assert server.address == "@x"
        assert unixsocket_url.parse_url(server.url).address == "@x"
