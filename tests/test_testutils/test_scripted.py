"""The scripted server itself: recording, stopping, backlog control, abstract names, TCP."""

from __future__ import annotations

import os
import re
import socket
import stat
import threading
import time

import pytest

import unixsocket_url
from unixsocket_testutils import Connection, Reply, ScriptedServer, UnixSocketServerThread, faults


def exchange(address: str | bytes, data: bytes) -> bytes:
    with unixsocket_url.connect(address, timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: sock.recv(65536), b""))


def test_records_raw_bytes_and_requests_per_connection() -> None:
    with ScriptedServer(lambda request: Reply(201, b"made")) as server:
        answer = exchange(server.address, b"POST /a?x=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi")
        assert answer.startswith(b"HTTP/1.1 201 Created\r\n")
        assert answer.endswith(b"\r\nContent-Length: 4\r\n\r\nmade")
        exchange(server.address, b"GET /b HTTP/1.1\r\n\r\n")
        server.wait_until(lambda s: s.closed_connections == 2)
        assert server.received == [
            b"POST /a?x=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
            b"GET /b HTTP/1.1\r\n\r\n",
        ]
        assert [(r.method, r.target, r.body, r.connection_index) for r in server.requests] == [
            ("POST", "/a?x=1", b"hi", 0),
            ("GET", "/b", b"", 1),
        ]
        assert server.accepted_connections == 2
    assert not os.path.exists(server.address)


def test_stop_releases_a_behaviour_that_waits_forever() -> None:
    def waits(conn: Connection) -> None:
        conn.wait()

    server = ScriptedServer(behaviour=waits)
    server.start()
    client = unixsocket_url.connect(server.address, timeout=5)
    try:
        server.wait_until(lambda s: s.accepted_connections == 1)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1
        assert client.recv(1) == b""  # the server's side is closed
    finally:
        client.close()
    server.stop()  # again: nothing happens


def test_behaviour_errors_are_recorded() -> None:
    def broken(conn: Connection) -> None:
        raise RuntimeError("script bug")

    with ScriptedServer(behaviour=broken) as server:
        with unixsocket_url.connect(server.address, timeout=5) as sock:
            assert sock.recv(1) == b""  # the failed script's connection is closed
        server.wait_until(lambda s: s.closed_connections == 1)
        (error,) = server.errors
        assert str(error) == "script bug"


def test_backlog_filled_then_accepting() -> None:
    with ScriptedServer(backlog=0, accepting=False) as server:
        fillers = server.fill_backlog()
        assert fillers >= 1
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.setblocking(False)
        with probe, pytest.raises(BlockingIOError):
            probe.connect(server.address)
        server.start_accepting()
        assert exchange(server.address, b"GET /x HTTP/1.1\r\n\r\n").endswith(b"GET /x")
        assert server.accepted_connections == fillers + 1


def test_backlog_of_a_tcp_server_filled_then_accepting() -> None:
    with ScriptedServer(tcp=True, backlog=0, accepting=False) as server:
        fillers = server.fill_backlog()
        assert fillers >= 1
        with pytest.raises(socket.timeout):  # the full queue drops the handshake: connect waits
            socket.create_connection(("127.0.0.1", server.port), timeout=0.5).close()
        server.start_accepting()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /t HTTP/1.1\r\nConnection: close\r\n\r\n")
            assert sock.makefile("rb").read().endswith(b"GET /t")
        assert server.accepted_connections == fillers + 1


def test_fill_backlog_needs_a_server_that_is_not_accepting() -> None:
    with ScriptedServer() as server, pytest.raises(RuntimeError, match="accepting=False"):
        server.fill_backlog()


def test_fill_backlog_needs_a_listening_server() -> None:
    server = ScriptedServer(accepting=False)
    with pytest.raises(RuntimeError, match=r"needs a listening server: start\(\) it"):
        server.fill_backlog()
    with server:
        assert server.fill_backlog() >= 1
    with pytest.raises(RuntimeError, match="needs a listening server"):
        server.fill_backlog()


@pytest.mark.skipif(not os.path.exists("/proc/net/unix"), reason="abstract names: Linux")
def test_abstract_name_and_tcp() -> None:
    with ScriptedServer(abstract="scripted-test-" + os.urandom(4).hex()) as server:
        assert server.describe().startswith("@scripted-test-")
        assert exchange(server.address, b"GET / HTTP/1.1\r\n\r\n").endswith(b"GET /")
    with ScriptedServer(tcp=True) as tcp:
        assert tcp.url_for("/p") == f"http://127.0.0.1:{tcp.port}/p"
        with socket.create_connection(("127.0.0.1", tcp.port), timeout=5) as sock:
            sock.sendall(b"GET /t HTTP/1.1\r\nConnection: close\r\n\r\n")
            assert sock.makefile("rb").read().endswith(b"GET /t")


def test_listens_from_start_not_from_construction() -> None:
    threads = set(threading.enumerate())
    server = ScriptedServer()
    directory = os.path.dirname(os.fsdecode(server.address))
    assert not os.path.exists(directory)
    assert set(threading.enumerate()) <= threads  # no thread started
    with server:
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        assert os.path.basename(directory).startswith("us-")  # named as the WSGI server's
        assert exchange(server.address, b"GET / HTTP/1.1\r\n\r\n").endswith(b"GET /")
        with pytest.raises(RuntimeError, match=r"was started \(or stopped\) already"):
            server.start()
    assert not os.path.exists(directory)


def test_non_utf8_path_is_removed_at_stop(sockdir: str) -> None:
    path = os.fsencode(sockdir) + b"/\xff.sock"
    with ScriptedServer(path=path) as server:
        assert server.address == path
        assert exchange(server.address, b"GET / HTTP/1.1\r\n\r\n").endswith(b"GET /")
    assert os.listdir(sockdir) == []


@pytest.mark.skipif(not os.path.exists("/proc/net/unix"), reason="abstract names: Linux")
def test_random_abstract_names_are_made_one_way() -> None:
    with ScriptedServer(abstract=True) as scripted, UnixSocketServerThread(abstract=True) as wsgi:
        for address in (scripted.address, wsgi.address):
            assert isinstance(address, str)
            assert re.fullmatch(r"\0unixsocket-testutils-[0-9a-f]{16}", address)
        assert scripted.address != wsgi.address


def test_respond_and_behaviour_are_exclusive() -> None:
    with pytest.raises(ValueError, match="either respond or behaviour"):
        ScriptedServer(lambda r: Reply(), behaviour=faults.empty_reply())


@pytest.mark.parametrize("kind", faults.BAD_SOCKETS)
def test_bad_sockets(kind: str, sockdir: str) -> None:
    with faults.bad_socket(kind, sockdir) as path:
        try:
            mode: int | None = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        expected = {
            "missing": None,
            "missing-parent": None,
            "regular-file": stat.S_ISREG,
            "directory": stat.S_ISDIR,
            "stale": stat.S_ISSOCK,
            "datagram": stat.S_ISSOCK,
        }[kind]
        assert (mode is None) if expected is None else (mode is not None and expected(mode))
        with pytest.raises(unixsocket_url.UnixConnectError):
            unixsocket_url.connect(path, timeout=1)
    with pytest.raises(ValueError, match="unknown kind"), faults.bad_socket("fifo", sockdir):
        pass
