"""Connect errors, the full listen backlog (no busy loop), timeouts, proxies, malformed URLs."""

from __future__ import annotations

import gc
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from httpx_unixsocket import AsyncClient, AsyncUnixTransport, Client, UnixTransport
from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import build_url

from .conftest import ScriptedServer, read_head

Scripted = Callable[[Callable[[socket.socket], None]], ScriptedServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_missing_socket_is_a_connect_error_naming_it(sockdir: str) -> None:
    path = os.path.join(sockdir, "missing.sock")
    before = open_fds()
    with Client() as client:
        for _ in range(3):
            with pytest.raises(httpx.ConnectError) as info:
                client.get(build_url(path, "/x"))
            assert str(info.value) == (
                f"cannot connect to UNIX socket '{path}': no such file or directory "
                "(is the server running?)"
            )
            assert info.value.request.url.path == "/x"
    gc.collect()
    assert open_fds() == before  # no socket left open after the failed connects


def test_refused_and_not_a_socket(sockdir: str) -> None:
    stale = os.path.join(sockdir, "stale.sock")
    bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    bound.bind(stale)  # bound, never listening
    regular = os.path.join(sockdir, "file")
    open(regular, "w").close()
    try:
        with Client() as client:
            with pytest.raises(httpx.ConnectError, match="stale socket file"):
                client.get(build_url(stale))
            with pytest.raises(httpx.ConnectError, match="is a regular file, not a socket"):
                client.get(build_url(regular))
    finally:
        bound.close()


def test_retries_apply_to_connect_errors(sockdir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = os.path.join(sockdir, "late.sock")
    attempts: list[float] = []

    class Counting(socket.socket):
        def connect(self, address: object) -> None:
            if self.family == socket.AF_UNIX:
                attempts.append(time.monotonic())
            super().connect(address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "socket", Counting)
    with Client() as client, pytest.raises(httpx.ConnectError):
        client.get(build_url(path))
    assert len(attempts) == 1  # retries=0, as in httpx
    mounted = Client(mounts={"http+unix://": UnixTransport(retries=2)})
    with mounted, pytest.raises(httpx.ConnectError):
        mounted.get(build_url(path))
    assert len(attempts) == 1 + 3
    assert attempts[-1] > attempts[-2] > attempts[-3]


def fill_backlog(path: str) -> tuple[socket.socket, list[socket.socket]]:
    """A listener with backlog 0 that never accepts, and the sockets that filled its queue."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(0)
    fillers: list[socket.socket] = []
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.connect(path)
        except BlockingIOError:
            sock.close()
            return listener, fillers
        fillers.append(sock)


@pytest.fixture
def full_backlog(sockdir: str) -> Iterator[tuple[str, socket.socket, list[socket.socket]]]:
    path = os.path.join(sockdir, "busy.sock")
    listener, fillers = fill_backlog(path)
    yield path, listener, fillers
    for sock in fillers:
        sock.close()
    listener.close()


def test_full_backlog_times_out_without_busy_loop(full_backlog) -> None:  # type: ignore[no-untyped-def]
    path, _, _ = full_backlog
    before = open_fds()
    with Client(timeout=httpx.Timeout(5, connect=0.5)) as client:
        cpu, wall = time.process_time(), time.monotonic()
        with pytest.raises(httpx.ConnectTimeout, match="listen backlog stayed full") as info:
            client.get(build_url(path))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert path in str(info.value)
    assert 0.45 <= wall < 3
    assert cpu < 0.1 * wall, f"{cpu:.3f} s of CPU in {wall:.3f} s"
    assert open_fds() == before


def serve_after_delay(listener: socket.socket, fillers: list[socket.socket]) -> threading.Timer:
    """After 200 ms, accept (and drop) the fillers, then answer the next connection."""

    def accept() -> None:
        listener.settimeout(5)
        for _ in fillers:
            listener.accept()[0].close()
        conn, _ = listener.accept()
        with conn:
            read_head(conn)
            conn.sendall(OK)

    timer = threading.Timer(0.2, accept)
    timer.start()
    return timer


def test_full_backlog_then_accepted(full_backlog) -> None:  # type: ignore[no-untyped-def]
    path, listener, fillers = full_backlog
    timer = serve_after_delay(listener, fillers)
    with Client(timeout=httpx.Timeout(5)) as client:
        response = client.get(build_url(path, "/late"))
    timer.join()
    assert response.text == "ok"
    assert timer.finished.is_set()


@pytest.mark.anyio
async def test_async_full_backlog_times_out_without_busy_loop(full_backlog) -> None:  # type: ignore[no-untyped-def]
    path, _, _ = full_backlog
    before = open_fds()
    async with AsyncClient(timeout=httpx.Timeout(5, connect=0.5)) as client:
        cpu, wall = time.process_time(), time.monotonic()
        with pytest.raises(httpx.ConnectTimeout, match="listen backlog stayed full"):
            await client.get(build_url(path))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert 0.45 <= wall < 3
    assert cpu < 0.1 * wall, f"{cpu:.3f} s of CPU in {wall:.3f} s"
    assert open_fds() == before


@pytest.mark.anyio
async def test_async_full_backlog_then_accepted(full_backlog) -> None:  # type: ignore[no-untyped-def]
    path, listener, fillers = full_backlog
    timer = serve_after_delay(listener, fillers)
    async with AsyncClient(timeout=httpx.Timeout(5)) as client:
        response = await client.get(build_url(path, "/late"))
    timer.join()
    assert response.text == "ok"


def silent(server_holder: list[ScriptedServer]) -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        read_head(conn)
        server_holder[0].release.wait(10)

    return handler


def test_read_timeout(scripted: Scripted) -> None:
    holder: list[ScriptedServer] = []
    holder.append(scripted(silent(holder)))
    with (
        Client(timeout=httpx.Timeout(5, read=0.2)) as client,
        pytest.raises(httpx.ReadTimeout) as info,
    ):
        client.get(build_url(holder[0].path, "/slow"))
    assert info.value.request.url.path == "/slow"


@pytest.mark.anyio
async def test_async_read_timeout(scripted: Scripted) -> None:
    holder: list[ScriptedServer] = []
    holder.append(scripted(silent(holder)))
    async with AsyncClient(timeout=httpx.Timeout(5, read=0.2)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(build_url(holder[0].path, "/slow"))


def never_reads(server_holder: list[ScriptedServer]) -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        server_holder[0].release.wait(10)

    return handler


def test_write_timeout(scripted: Scripted) -> None:
    holder: list[ScriptedServer] = []
    holder.append(scripted(never_reads(holder)))
    with Client(timeout=httpx.Timeout(5, write=0.2)) as client, pytest.raises(httpx.WriteTimeout):
        client.post(build_url(holder[0].path, "/up"), content=b"x" * (32 << 20))


@pytest.mark.anyio
async def test_async_write_timeout(scripted: Scripted) -> None:
    holder: list[ScriptedServer] = []
    holder.append(scripted(never_reads(holder)))
    async with AsyncClient(timeout=httpx.Timeout(5, write=0.2)) as client:
        with pytest.raises(httpx.WriteTimeout):
            await client.post(build_url(holder[0].path, "/up"), content=b"x" * (32 << 20))


def test_pool_timeout(unix_server: UnixSocketServerThread) -> None:
    limits = httpx.Limits(max_connections=1)
    with Client(limits=limits, timeout=httpx.Timeout(5, pool=0.2)) as client:
        with client.stream("GET", unix_server.url_for("/held")) as held:
            with pytest.raises(httpx.PoolTimeout):
                client.get(unix_server.url_for("/waiting"))
            held.read()  # read to the end: the connection goes back to the pool
        assert client.get(unix_server.url_for("/after")).status_code == 200
    assert [r.target for r in unix_server.requests] == ["/held", "/after"]
    assert unix_server.accepted_connections == 1


def test_truncated_body_is_a_remote_protocol_error(scripted: Scripted) -> None:
    def handler(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
        conn.close()

    server = scripted(handler)
    with Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(build_url(server.path))


def test_garbage_response_is_a_remote_protocol_error(scripted: Scripted) -> None:
    def handler(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"this is not http\r\n\r\n")
        conn.close()

    server = scripted(handler)
    with Client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(build_url(server.path))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http+unix:///run/app.sock/info", "names no socket"),
        ("http+unix://%2Ftmp%2Fx%00y/", "NUL byte"),
        ("http+unix://user@%2Ftmp%2Fx.sock/", "userinfo"),
        ("http+unix://%2Ftmp%2Fx.sock:80/", "no port"),
        ("http+unix://%zz/", "two hex digits"),
    ],
)
def test_malformed_urls_are_invalid_url_before_connecting(url: str, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - never reached
        raise AssertionError("no request may be sent")

    with (
        Client(mounts={"all://": httpx.MockTransport(handler)}) as client,
        pytest.raises(httpx.InvalidURL, match=message),
    ):
        client.get(url)
    transport = UnixTransport()
    request = httpx.Request("GET", "http+unix://%2Ftmp%2Fx%00y/")
    with pytest.raises(httpx.InvalidURL, match="NUL byte"):
        transport.handle_request(request)


def test_explicit_proxy_for_sockets_is_an_error() -> None:
    for transport_class in (UnixTransport, AsyncUnixTransport):
        with pytest.raises(ValueError, match="a proxy cannot reach a UNIX socket"):
            transport_class(proxy="http://proxy.example:3128")  # type: ignore[arg-type]


def test_proxy_environment_never_applies(
    unix_server: UnixSocketServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxied: list[str] = []

    def proxy(request: httpx.Request) -> httpx.Response:
        proxied.append(str(request.url))
        return httpx.Response(200, text="proxied")

    for name in ("ALL_PROXY", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    with Client() as client:
        # what httpx mounted for the environment proxies: they must not capture UNIX URLs
        assert any(pattern.pattern == "all://" for pattern in client._mounts)
        assert client.get(unix_server.url_for("/env")).text == "Hello world!"
    with Client(
        proxy="http://127.0.0.1:9", mounts={"all://": httpx.MockTransport(proxy)}
    ) as client:
        assert client.get(unix_server.url_for("/explicit")).text == "Hello world!"
        assert client.get("http://example.com/").text == "proxied"
    assert proxied == ["http://example.com/"]
    assert [r.target for r in unix_server.requests] == ["/env", "/explicit"]
    assert all("http://" not in r.target for r in unix_server.requests)
