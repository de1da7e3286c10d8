"""The server's life cycle: where it listens, what it records, and how it stops."""

from __future__ import annotations

import os
import pathlib
import stat
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING

import pytest

import unixsocket_url
from unixsocket_testutils import ScriptedServer, UnixSocketServerThread, serve
from unixsocket_testutils._listener import STOP_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from unixsocket_testutils.pytest_plugin import UnixServerFactory

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="abstract socket names exist only on Linux"
)


def fetch(address: unixsocket_url.SocketAddress, target: str = "/") -> bytes:
    """One HTTP/1.0 exchange: the whole response, as bytes."""
    with unixsocket_url.connect(address, timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def worker_threads(server: UnixSocketServerThread) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith(server.name)]


@pytest.fixture
def short_dir() -> Iterator[str]:
    """A private directory with a short path (pytest's tmp_path can exceed 107 bytes)."""
    with tempfile.TemporaryDirectory(prefix="t-", dir="/tmp") as directory:
        yield directory


def test_requests_unixsocket_usage() -> None:
    with UnixSocketServerThread() as server:
        response = fetch(server.usock, "/path?q=1")
        assert server.is_alive()
        assert server.daemon
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nX-Socket-Path: " + server.usock.encode() + b"\r\n" in response
    assert response.endswith(b"\r\n\r\nHello world!")
    assert not server.is_alive()


def test_default_socket_is_short_private_and_removed() -> None:
    with UnixSocketServerThread() as server:
        directory, name = os.path.split(server.usock)
        assert name == "s.sock"
        assert os.path.dirname(directory) == "/tmp"
        assert os.path.basename(directory).startswith("us-")
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        assert stat.S_ISSOCK(os.stat(server.usock).st_mode)
        assert server.address == server.usock
    assert not os.path.exists(server.usock)
    assert not os.path.exists(directory)


def test_each_server_gets_its_own_socket() -> None:
    with UnixSocketServerThread() as first, UnixSocketServerThread() as second:
        assert first.usock != second.usock
        assert b"Hello world!" in fetch(first.address)
        assert b"Hello world!" in fetch(second.address)


def test_start_and_stop_without_with() -> None:
    server = UnixSocketServerThread()
    server.start()
    try:
        assert b"Hello world!" in fetch(server.address)
    finally:
        server.stop()
    server.stop()  # again: nothing left to do
    assert not server.is_alive()
    assert not os.path.exists(server.usock)


def test_stop_before_start_leaves_nothing_behind() -> None:
    server = UnixSocketServerThread()
    server.stop()
    assert not os.path.exists(os.path.dirname(server.usock))
    with pytest.raises(RuntimeError, match=r"was started \(or stopped\) already"):
        server.start()  # a server nothing would ever stop
    assert not os.path.exists(os.path.dirname(server.usock))


def test_stop_shuts_idle_keep_alive_connections() -> None:
    server = UnixSocketServerThread()
    server.start()
    with unixsocket_url.connect(server.address, timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        with client.makefile("rb") as response:
            while response.readline() != b"\r\n":
                pass
            assert response.read(12) == b"Hello world!"
            assert worker_threads(server)  # the connection is open and idle
            started = time.monotonic()
            server.stop()
            elapsed = time.monotonic() - started
            assert response.read() == b""  # the server hung up
    assert elapsed < STOP_TIMEOUT / 2  # a hang would wait the whole STOP_TIMEOUT
    assert not server.is_alive()
    assert worker_threads(server) == []


def test_stop_does_not_hang_on_a_busy_application(
    unix_server_factory: UnixServerFactory,
) -> None:
    entered, release = threading.Event(), threading.Event()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        entered.set()
        release.wait(10)
        start_response("200 OK", [("Content-Length", "0")])
        return []

    server = unix_server_factory(app)
    with unixsocket_url.connect(server.address, timeout=10) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert entered.wait(10)
        server.stop(timeout=0.05)
        assert not server.is_alive()
        assert client.recv(1) == b""  # shut down, though the application is still running
        release.set()
    assert not os.path.exists(server.usock)


def test_explicit_path(short_dir: str) -> None:
    path = os.path.join(short_dir, "app.sock")
    with UnixSocketServerThread(path=pathlib.Path(path)) as server:
        assert server.usock == server.address == path
        assert b"X-Socket-Path: " + path.encode() in fetch(path)
    assert not os.path.exists(path)
    assert os.path.isdir(short_dir)  # not ours to remove


def test_explicit_path_that_exists_is_not_touched(short_dir: str) -> None:
    path = os.path.join(short_dir, "taken")
    pathlib.Path(path).write_text("precious")
    server = UnixSocketServerThread(path=path)
    with pytest.raises(OSError, match="in use"):
        server.start()
    assert pathlib.Path(path).read_text() == "precious"


@pytest.mark.parametrize("server", [UnixSocketServerThread, ScriptedServer])
def test_socket_replaced_behind_our_back_is_not_removed(
    server: type[UnixSocketServerThread | ScriptedServer], short_dir: str
) -> None:
    path = os.path.join(short_dir, "s.sock")
    with server(path=path):
        os.unlink(path)
        pathlib.Path(path).write_text("someone else's")
    assert pathlib.Path(path).read_text() == "someone else's"


def test_path_and_abstract_are_exclusive() -> None:
    with pytest.raises(ValueError, match="not both"):
        UnixSocketServerThread(path="/tmp/x.sock", abstract=True)


@linux_only
@pytest.mark.parametrize("kind", ["random", "str", "bytes"])
def test_abstract_name(kind: str) -> None:
    unique = f"utils-test-{os.getpid()}-{threading.get_ident()}"  # other sessions may run too
    names: dict[str, str | bytes | bool] = {
        "random": True,
        "str": unique,
        "bytes": unique.encode() + b"-\xff",
    }
    abstract = names[kind]
    with UnixSocketServerThread(abstract=abstract) as server:
        assert server.usock.startswith("\0")
        if isinstance(abstract, (str, bytes)):
            assert os.fsencode(server.address) == b"\0" + os.fsencode(abstract)
        response = fetch(server.address)
        name = unixsocket_url.describe_address(server.address)
        assert name.startswith("@")
        assert b"\r\nX-Socket-Path: " + name.encode() + b"\r\n" in response
        assert response.endswith(b"Hello world!")
        assert b"Hello world!" in fetch(server.usock)  # the str form connects as well


@linux_only
def test_abstract_server_fixture(abstract_unix_server: UnixSocketServerThread) -> None:
    assert abstract_unix_server.usock.startswith("\0unixsocket-testutils-")
    assert b"Hello world!" in fetch(abstract_unix_server.address)


def test_urls(unix_server: UnixSocketServerThread) -> None:
    parsed = unixsocket_url.parse_url(unix_server.url)
    assert (parsed.address, parsed.path) == (unix_server.address, "/")
    url = unix_server.url_for("/a/b", query={"x": "1"})
    assert url == unixsocket_url.build_url(unix_server.address, "/a/b", query={"x": "1"})
    assert unixsocket_url.parse_url(url).target == "/a/b?x=1"
    assert b"X-Requested-Query-String: x=1\r\n" in fetch(unix_server.address, "/a/b?x=1")


def test_reset_forgets_what_was_recorded(unix_server_factory: UnixServerFactory) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/fail":
            raise RuntimeError("failed")
        start_response("200 OK", [("Content-Length", "0")])
        return []

    server = unix_server_factory(app)
    fetch(server.address, "/fail")
    fetch(server.address, "/ok")
    assert (server.accepted_connections, len(server.requests), len(server.errors)) == (2, 2, 1)
    server.reset()
    assert (server.accepted_connections, server.requests, server.errors) == (0, [], [])
    fetch(server.address, "/again")
    assert [(r.path, r.connection_index) for r in server.requests] == [("/again", 0)]


def test_records_are_snapshots(unix_server: UnixSocketServerThread) -> None:
    before = unix_server.requests
    fetch(unix_server.address)
    assert before == []
    assert len(unix_server.requests) == 1


def test_serve_context_manager() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "6")])
        return [b"served"]

    with serve(app) as server:
        assert isinstance(server, UnixSocketServerThread)
        assert fetch(server.address).endswith(b"\r\n\r\nserved")
    assert not server.is_alive()
    assert not os.path.exists(server.usock)


def test_many_connections_at_once(unix_server: UnixSocketServerThread) -> None:
    clients = [unixsocket_url.connect(unix_server.address, timeout=10) for _ in range(20)]
    try:
        for client in clients:
            client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        responses = []
        for client in clients:
            with client.makefile("rb") as stream:
                responses.append(stream.read())
    finally:
        for client in clients:
            client.close()
    assert all(response.endswith(b"Hello world!") for response in responses)
    assert unix_server.accepted_connections == 20
    assert sorted(r.connection_index for r in unix_server.requests) == list(range(20))


def test_run_is_not_the_way_to_start() -> None:
    with pytest.raises(RuntimeError, match=r"call start\(\)"):
        UnixSocketServerThread().run()


def test_application_may_stop_its_own_server(unix_server_factory: UnixServerFactory) -> None:
    servers: list[UnixSocketServerThread] = []
    stopped = threading.Event()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        servers[0].stop()
        stopped.set()
        start_response("200 OK", [("Content-Length", "0")])
        return []

    servers.append(unix_server_factory(app))
    assert fetch(servers[0].address) == b""  # its own connection was shut down, too
    assert stopped.wait(10)  # stop() returned (in the application's thread)
    assert not servers[0].is_alive()
    assert not os.path.exists(servers[0].usock)
