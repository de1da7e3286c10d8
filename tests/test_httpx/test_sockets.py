"""Sockets as users name them and sockets they hold, through httpx's API: specs
(``unix:///path``, ``@name``), names (``sockets={"docker": ...}`` and
``http+unix://docker/...``), held sockets (one connection, received over SCM_RIGHTS from a
server in a child process) and connect callables; sync, asyncio and trio. What names do in
every flavor (their case, shared connections, errors naming both, the redirect policy, plain
``http://`` never reaching them) is tested in tests/test_faults/test_named_sockets.py."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from support.forked import said_in_child
from support.held import over_scm_rights
from support.httpx_flavor import (
    AsyncClient,
    AsyncUnixTransport,
    Client,
    SocketAccessDenied,
    UnixTransport,
    httpx,
    peer_credentials,
)
from support.tls import tls_contexts

import unixsocket_url
from unixsocket_testutils import Connection, UnixSocketServerThread
from unixsocket_testutils.pytest_plugin import ScriptedServerFactory, UnixServerFactory
from unixsocket_url import InvalidAddress, InvalidSocket

LINUX = sys.platform.startswith("linux")


def info(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response.content)
    return body


# ------------------------------------------------------------------------------------- specs


def test_socket_takes_a_spec(unix_server: UnixSocketServerThread) -> None:
    transport = UnixTransport(socket=f"unix://{unix_server.usock}")
    assert transport.socket == unix_server.usock
    with httpx.Client(transport=transport) as client:
        assert client.get("http://localhost/a").headers["x-socket-path"] == unix_server.usock


@pytest.mark.skipif(not LINUX, reason="abstract names exist only on Linux")
def test_socket_takes_an_abstract_name_as_at_name(
    abstract_unix_server: UnixSocketServerThread,
) -> None:
    name = abstract_unix_server.usock[1:]
    with httpx.Client(transport=UnixTransport(socket=f"@{name}")) as client:
        assert client.get("http://localhost/").headers["x-socket-path"] == f"@{name}"


def test_a_tcp_spec_is_refused_at_once() -> None:
    with pytest.raises(InvalidAddress, match=r"'tcp://127\.0\.0\.1:2375' is a TCP address"):
        UnixTransport(socket="tcp://127.0.0.1:2375")
    with pytest.raises(InvalidAddress, match="is a TCP address"):
        Client(sockets={"docker": "tcp://127.0.0.1:2375"})


def test_a_relative_path_that_looks_like_a_spec_stays_a_path(
    sockdir: str, unix_server_factory: UnixServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clients re-encode URLs: a socket parsed from one is never read again as a spec."""
    monkeypatch.chdir(sockdir)
    server = unix_server_factory(path=os.path.join(sockdir, "@rel.sock"))
    with Client(base_url="http+unix://%40rel.sock/api/") as client:
        assert client.get("http+unix://%40rel.sock/x").headers["x-socket-path"] == server.usock
        assert client.get("y").status_code == 200
    assert [r.target for r in server.requests] == ["/x", "/api/y"]


# ------------------------------------------------------------------------------------- names


def test_a_name_reaches_its_socket(unix_server: UnixSocketServerThread) -> None:
    sockets = {"docker": f"unix://{unix_server.usock}"}
    with Client(sockets=sockets) as client:
        response = client.get("http+unix://docker/v1.45/containers/json")
        assert response.headers["x-socket-path"] == unix_server.usock
        assert response.headers["x-requested-path"] == "/v1.45/containers/json"
        assert client.get("http+unix://DOCKER/v1.45/info").status_code == 200
        assert response.request.headers["host"] == "docker"  # httpx's, never sent
    with Client(sockets=sockets, base_url="http+unix://docker/v1.45") as based:
        assert based.get("/version").headers["x-requested-path"] == "/v1.45/version"
    assert [r.header("host") for r in unix_server.requests] == ["localhost"] * 3


def test_a_name_on_a_mounted_transport(unix_server: UnixSocketServerThread) -> None:
    transport = UnixTransport(sockets={"app": unix_server.usock})
    with httpx.Client(mounts={"http+unix://": transport}) as client:
        assert client.get("http+unix://app/m").headers["x-socket-path"] == unix_server.usock
    assert transport.sockets is not None
    assert list(transport.sockets) == ["app"]


def test_a_name_wins_over_a_relative_path_spelt_the_same(
    sockdir: str, unix_server_factory: UnixServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sockdir)
    relative = unix_server_factory(path=os.path.join(sockdir, "docker"))
    named = unix_server_factory()
    with Client(sockets={"docker": named.usock}) as client:
        assert client.get("http+unix://docker/").headers["x-socket-path"] == named.usock
        # the relative file is still reached, as ./docker
        assert client.get("http+unix://.%2Fdocker/").headers["x-socket-path"] == relative.usock
    assert relative.accepted_connections == 1
    assert named.accepted_connections == 1


def test_a_name_not_registered_is_a_relative_path_and_the_error_says_so(
    unix_server: UnixSocketServerThread,
) -> None:
    with (
        Client(sockets={"docker": unix_server.usock, "app": unix_server.usock}) as client,
        pytest.raises(httpx.ConnectError) as error,
    ):
        client.get("http+unix://dokcer/info")
    message = str(error.value)
    assert message.startswith("cannot connect to UNIX socket 'dokcer': no such file")
    assert message.endswith("; nor is it a registered socket name (app, docker)")


@pytest.mark.skipif(not LINUX, reason="SO_PEERCRED is read on Linux only")
def test_a_named_socket_has_peer_credentials_and_is_checked(
    unix_server: UnixSocketServerThread,
) -> None:
    with Client(sockets={"app": unix_server.usock}) as client:
        credentials = peer_credentials(client.get("http+unix://app/"))
    assert credentials is not None
    assert (credentials.pid, credentials.uid) == (os.getpid(), os.getuid())
    with (
        Client(sockets={"app": unix_server.usock}, expected_peer_uid=os.getuid() + 1) as client,
        pytest.raises(SocketAccessDenied, match=r"'app \(.*\)'.*not by the expected uid"),
    ):
        client.get("http+unix://app/")
    assert unix_server.requests[1:] == []


def test_bad_names_are_refused_at_once(unix_server: UnixSocketServerThread) -> None:
    with pytest.raises(ValueError, match="is not a host name"):
        Client(sockets={"a/b": unix_server.usock})
    with pytest.raises(ValueError, match="registered twice"):
        UnixTransport(sockets={"app": unix_server.usock, "APP": unix_server.usock})
    with pytest.raises(ValueError, match="pass one or the other"):
        UnixTransport(socket=unix_server.usock, sockets={"app": unix_server.usock})


# ------------------------------------------------------------------------------ held sockets


def test_a_held_socket_is_the_connection(held: socket.socket) -> None:
    with Client(sockets={"app": held}) as client:
        for path in ("/health", "/v1/info", "/health"):
            response = client.get(f"http+unix://app{path}")
            assert response.status_code == 200
        assert info(client.post("http+unix://app/echo", content=b"body"))["body"] == "body"
        if LINUX:  # a socketpair's peer is the process that made it: this one
            credentials = peer_credentials(response)
            assert credentials is not None
            assert (credentials.pid, credentials.uid) == (os.getpid(), os.getuid())
    assert held.fileno() == -1  # the client owned it


def test_a_held_socket_in_single_socket_mode(held: socket.socket) -> None:
    transport = UnixTransport(socket=held)
    assert isinstance(transport.socket, unixsocket_url.SocketTarget)
    with httpx.Client(transport=transport, base_url="http://localhost") as client:
        assert info(client.get("/v1/info"))["server"] == "unixsocket-testutils demo"
        assert client.get("/health").status_code == 200
    assert held.fileno() == -1


@pytest.mark.anyio
async def test_async_a_held_socket_is_the_connection(held: socket.socket) -> None:
    async with AsyncClient(sockets={"app": held}) as client:
        for path in ("/health", "/v1/info"):
            assert (await client.get(f"http+unix://app{path}")).status_code == 200
        response = await client.post("http+unix://app/echo", content=b"x" * 200_000)
        assert len(info(response)["body"]) == 200_000
    assert held.fileno() == -1


@pytest.mark.parametrize(
    ("method", "headers"), [("GET", {"Connection": "close"}), ("HEAD", {})], ids=["close", "head"]
)
def test_a_closed_held_socket_is_a_connect_error_naming_it(
    held: socket.socket, method: str, headers: dict[str, str]
) -> None:
    """Closed by its peer after ``Connection: close``, or by the client after a response to
    ``HEAD`` (whose connection is never reused): either way, gone for good."""
    fd = held.fileno()
    with Client(sockets={"app": held}) as client:
        assert client.request(method, "http+unix://app/health", headers=headers).is_success
        for _ in range(2):  # every later request, and at once: nothing to retry
            with pytest.raises(httpx.ConnectError) as error:
                client.get("http+unix://app/health")
            assert not isinstance(error.value, SocketAccessDenied)
            assert f"cannot reconnect to app (a held socket, fd {fd})" in str(error.value)


def test_a_held_socket_its_peer_closed_while_idle() -> None:
    ours, theirs = socket.socketpair()
    server_side = threading.Thread(target=answer_once_then_close, args=(theirs,))
    server_side.start()
    with Client(sockets={"app": ours}) as client:
        assert client.get("http+unix://app/").text == "Hello world!"
        server_side.join(5)
        with pytest.raises(httpx.ConnectError, match="cannot reconnect to app"):
            client.get("http+unix://app/")


def answer_once_then_close(sock: socket.socket) -> None:
    """Answer one request on *sock* (a kept-alive answer), then close it: the peer goes away
    while the client's connection is idle."""
    with sock, sock.makefile("rb") as reader:
        while reader.readline() not in (b"\r\n", b""):
            pass
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHello world!")


@pytest.mark.anyio
async def test_async_a_closed_held_socket_is_a_connect_error_naming_it(
    held: socket.socket,
) -> None:
    async with AsyncClient(sockets={"app": held}) as client:
        await client.get("http+unix://app/health", headers={"Connection": "close"})
        with pytest.raises(httpx.ConnectError, match=r"cannot reconnect to app \(a held socket"):
            await client.get("http+unix://app/health")


def test_requests_wait_for_the_held_connection(held: socket.socket) -> None:
    with Client(sockets={"app": held}) as client:
        with client.stream("GET", "http+unix://app/stream?lines=3") as streaming:
            with pytest.raises(httpx.PoolTimeout, match="a held socket is one connection"):
                client.get("http+unix://app/health", timeout=httpx.Timeout(5, pool=0.2))
            lines = streaming.read().splitlines()
        assert len(lines) == 3
        started = threading.Event()
        bodies: list[bytes] = []

        def hold_then_read() -> None:
            with client.stream("GET", "http+unix://app/stream?lines=50") as response:
                started.set()
                time.sleep(0.3)
                bodies.append(response.read())

        holder = threading.Thread(target=hold_then_read)
        holder.start()
        started.wait(5)
        waited = time.monotonic()
        assert client.get("http+unix://app/health").json() == {"status": "ok"}
        assert time.monotonic() - waited > 0.2  # it waited for the other request to finish
        holder.join(5)
    assert len(bodies[0].splitlines()) == 50  # whole: nothing interleaved


@pytest.mark.anyio
async def test_async_requests_wait_for_the_held_connection(held: socket.socket) -> None:
    async with AsyncClient(sockets={"app": held}) as client:
        bodies: list[bytes] = []
        started = anyio.Event()

        async def hold_then_read() -> None:
            async with client.stream("GET", "http+unix://app/stream?lines=50") as response:
                started.set()
                await anyio.sleep(0.3)
                bodies.append(await response.aread())

        async with anyio.create_task_group() as group:
            group.start_soon(hold_then_read)
            await started.wait()
            with pytest.raises(httpx.PoolTimeout, match="a held socket is one connection"):
                await client.get("http+unix://app/health", timeout=httpx.Timeout(5, pool=0.1))
            assert (await client.get("http+unix://app/health")).json() == {"status": "ok"}
        assert len(bodies[0].splitlines()) == 50


def test_a_forked_child_does_not_share_the_held_connection(held: socket.socket) -> None:
    with Client(sockets={"app": held}) as client:  # not used yet: the child could take it

        def request() -> str:
            try:
                client.get("http+unix://app/health")
            except httpx.ConnectError as exc:
                return str(exc)
            return "sent"

        assert "cannot use app (a held socket, fd" in said_in_child(request)
        assert client.get("http+unix://app/health").status_code == 200  # the parent's, intact


def test_limits_never_close_a_held_connection(held: socket.socket) -> None:
    limits = httpx.Limits(max_keepalive_connections=0, keepalive_expiry=0.01)
    with Client(sockets={"app": held}, limits=limits) as client:
        for _ in range(3):
            assert client.get("http+unix://app/health").status_code == 200
            time.sleep(0.02)


def test_room_is_never_made_by_closing_a_held_connection(
    held: socket.socket, unix_server: UnixSocketServerThread
) -> None:
    sockets: dict[str, unixsocket_url.SocketSource] = {"app": held, "other": unix_server.usock}
    with Client(sockets=sockets, limits=httpx.Limits(max_connections=1)) as client:
        assert client.get("http+unix://app/health").status_code == 200
        with pytest.raises(httpx.PoolTimeout, match="1 connections open"):
            client.get("http+unix://other/", timeout=httpx.Timeout(5, pool=0.1))
        assert client.get("http+unix://app/health").status_code == 200
    assert unix_server.accepted_connections == 0


def test_a_held_socket_never_used_is_closed_with_the_client(held: socket.socket) -> None:
    with Client(sockets={"app": held}):
        pass
    assert held.fileno() == -1


@pytest.mark.anyio
async def test_async_a_held_socket_never_used_is_closed_with_the_client(
    held: socket.socket,
) -> None:
    transport = AsyncUnixTransport(socket=held)
    await transport.aclose()
    assert held.fileno() == -1


@pytest.mark.skipif(not LINUX, reason="SO_PEERCRED is read on Linux only")
def test_a_held_socket_served_by_another_user_is_refused(held: socket.socket) -> None:
    with Client(sockets={"app": held}, expected_peer_uid=os.getuid() + 1) as client:
        with pytest.raises(SocketAccessDenied, match=r"'app \(a held socket, fd \d+\)'.*uid"):
            client.get("http+unix://app/health")
        assert held.fileno() == -1  # closed before a byte was sent
        with pytest.raises(httpx.ConnectError, match="cannot reconnect"):
            client.get("http+unix://app/health")


@pytest.mark.parametrize(
    ("family", "kind", "says"),
    [
        (socket.AF_UNIX, socket.SOCK_STREAM, "is not connected"),
        (socket.AF_UNIX, socket.SOCK_DGRAM, "is SOCK_DGRAM"),
        (socket.AF_INET, socket.SOCK_STREAM, "is AF_INET, not an AF_UNIX socket"),
    ],
    ids=["unconnected", "datagram", "tcp"],
)
def test_unusable_sockets_are_refused_at_once(
    family: socket.AddressFamily, kind: socket.SocketKind, says: str
) -> None:
    with socket.socket(family, kind) as sock:
        with pytest.raises(InvalidSocket, match=re.escape(f"socket 'app' {says}")):
            Client(sockets={"app": sock})
        with pytest.raises(InvalidSocket, match=says):
            AsyncUnixTransport(socket=sock)


def test_a_held_socket_through_httpcore_is_one_connection_too(held: socket.socket) -> None:
    """With ``http2=True`` plain requests go through httpcore: a held socket has a pool of one
    connection there, never expired."""
    limits = httpx.Limits(keepalive_expiry=0.01)
    with Client(sockets={"app": held}, http2=True, limits=limits) as client:
        with client.stream("GET", "http+unix://app/stream?lines=3") as streaming:
            with pytest.raises(httpx.PoolTimeout):
                client.get("http+unix://app/health", timeout=httpx.Timeout(5, pool=0.1))
            assert len(streaming.read().splitlines()) == 3
        time.sleep(0.02)
        assert client.get("http+unix://app/health").json() == {"status": "ok"}
        client.get("http+unix://app/health", headers={"Connection": "close"})
        with pytest.raises(httpx.ConnectError, match="cannot reconnect to app"):
            client.get("http+unix://app/health")
    assert held.fileno() == -1


# -------------------------------------------------------------------------- connect callables


class Dialer:
    """A connect callable: each call connects to *path* and passes the socket over SCM_RIGHTS,
    as a privileged helper would; it records the threads it was called on."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.threads: list[int] = []

    def __call__(self) -> socket.socket:
        self.threads.append(threading.get_ident())
        return over_scm_rights(unixsocket_url.connect(self.path))


def test_a_connect_callable_makes_kept_alive_connections(
    unix_server: UnixSocketServerThread,
) -> None:
    dial = Dialer(unix_server.usock)
    limits = httpx.Limits(max_connections=2)
    with Client(sockets={"helper": dial}, limits=limits) as client:
        for path in ("/a", "/b", "/c"):
            assert client.get(f"http+unix://helper{path}").status_code == 200
        with contextlib.ExitStack() as streams:
            for _ in range(2):
                streams.enter_context(client.stream("GET", "http+unix://helper/s"))
            with pytest.raises(httpx.PoolTimeout):
                client.get("http+unix://helper/d", timeout=httpx.Timeout(5, pool=0.1))
    assert len(dial.threads) == 2  # one kept-alive connection, then a second for the streams
    assert unix_server.accepted_connections == 2


@pytest.mark.anyio
async def test_async_a_connect_callable_runs_in_a_worker_thread(
    unix_server: UnixSocketServerThread,
) -> None:
    dial = Dialer(unix_server.usock)
    async with AsyncClient(sockets={"helper": dial}) as client:
        for path in ("/a", "/b"):
            assert (await client.get(f"http+unix://helper{path}")).status_code == 200
    assert len(dial.threads) == 1
    assert dial.threads[0] != threading.get_ident()  # the event loop went on meanwhile


def refuse() -> socket.socket:
    raise RuntimeError("the helper is not running")


def test_a_connect_callable_s_error_is_a_connect_error_saying_it() -> None:
    with (
        Client(sockets={"helper": refuse}) as client,
        pytest.raises(httpx.ConnectError) as error,
    ):
        client.get("http+unix://helper/")
    message = str(error.value)
    assert "cannot connect to helper (connect callable " in message
    assert "refuse): it raised " in message
    assert "RuntimeError('the helper is not running')" in message


@pytest.mark.anyio
async def test_async_a_connect_callable_s_error_is_a_connect_error_saying_it() -> None:
    def denied() -> socket.socket:
        raise PermissionError(13, "the helper says no")

    async with AsyncClient(sockets={"helper": denied}) as client:
        with pytest.raises(SocketAccessDenied, match="the helper says no"):
            await client.get("http+unix://helper/")


@pytest.fixture
def tls_server(
    scripted_server_factory: ScriptedServerFactory, tmp_path: Path
) -> tuple[str, ssl.SSLContext]:
    """A TLS server for ``localhost`` on a UNIX socket, and a client context trusting it."""
    context, _, ca = tls_contexts(str(tmp_path))
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)

    def behaviour(conn: Connection) -> None:
        while conn.read_head() is not None:
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")

    server = scripted_server_factory(behaviour=behaviour, ssl_context=context)
    return os.fsdecode(server.address), trusting


def test_tls_over_a_held_socket_and_a_connect_callable(
    tls_server: tuple[str, ssl.SSLContext],
) -> None:
    address, trusting = tls_server
    dial = Dialer(address)
    held = over_scm_rights(unixsocket_url.connect(address))
    sockets: dict[str, unixsocket_url.SocketSource] = {"secure": dial, "held": held}
    with Client(sockets=sockets, verify=trusting) as client:
        for name in ("secure", "held", "secure", "held"):
            assert client.get(f"https+unix://{name}/").text == "secret"
        with client.stream("GET", "https+unix://held/") as streaming:
            with pytest.raises(httpx.PoolTimeout):
                client.get("https+unix://held/", timeout=httpx.Timeout(5, pool=0.1))
            streaming.read()
    assert len(dial.threads) == 1
    assert held.fileno() == -1


@pytest.mark.anyio
async def test_async_tls_over_a_held_socket(tls_server: tuple[str, ssl.SSLContext]) -> None:
    address, trusting = tls_server
    held = over_scm_rights(unixsocket_url.connect(address))
    async with AsyncClient(sockets={"held": held}, verify=trusting) as client:
        for _ in range(2):
            assert (await client.get("https+unix://held/")).text == "secret"
        await client.get("https+unix://held/", headers={"Connection": "close"})
        with pytest.raises(httpx.ConnectError, match="cannot reconnect to held"):
            await client.get("https+unix://held/")
    assert held.fileno() == -1


@pytest.mark.anyio
async def test_async_a_request_cancelled_during_a_connect_callable_sends_nothing(
    unix_server: UnixSocketServerThread,
) -> None:
    made: list[socket.socket] = []

    def slow() -> socket.socket:
        time.sleep(0.3)
        made.append(unixsocket_url.connect(unix_server.usock))
        return made[-1]

    async with AsyncClient(sockets={"helper": slow}) as client:
        with anyio.move_on_after(0.05) as scope:
            await client.get("http+unix://helper/")
        assert scope.cancelled_caught
        assert made[0].fileno() == -1  # closed once the callable returned
    assert unix_server.requests == []
