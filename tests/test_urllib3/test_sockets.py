"""Socket specs, named sockets, held sockets and connect callables in urllib3-unixsocket.

Held sockets are served by ``connected_server``: the demo WSGI app in a child process on the
other end of a ``socketpair``, the parent's end received over ``SCM_RIGHTS``. The redirect
policy of names is tested for every flavor in tests/test_faults/test_named_sockets.py.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from typing import Any

import pytest
import urllib3
from support.tls import tls_contexts
from urllib3.exceptions import EmptyPoolError, MaxRetryError, NewConnectionError

import unixsocket_url
from unixsocket_testutils import ScriptedServer, connected_server, echo
from urllib3_unixsocket import (
    SocketAccessDenied,
    UnixHTTPConnectionPool,
    UnixPoolManager,
    peer_credentials,
)

LINUX = sys.platform.startswith("linux")


def test_a_pool_and_the_manager_take_socket_specs(scripted_server_factory: Any) -> None:
    server = scripted_server_factory(echo)
    with UnixHTTPConnectionPool(f"unix://{server.address}") as pool:
        assert pool.address == server.address
        assert pool.request("GET", "/spec").data == b"GET /spec"
    with UnixPoolManager() as pm:
        by_spec = pm.connection_from_socket(f"unix://{server.address}")
        assert pm.connection_from_url(server.url_for("/x")) is by_spec


@pytest.mark.skipif(not LINUX, reason="abstract names exist only on Linux")
def test_an_at_spec_is_an_abstract_name() -> None:
    with (
        ScriptedServer(echo, abstract=f"us-spec-{os.getpid()}") as server,
        UnixHTTPConnectionPool(f"@us-spec-{os.getpid()}") as pool,
    ):
        assert pool.address == server.address
        assert pool.request("GET", "/at").data == b"GET /at"


def test_a_url_s_socket_is_dialed_exactly_never_read_again_as_a_spec(
    sockdir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%40x`` is the relative path ``@x``: as a spec it would be the abstract name ``x``."""
    monkeypatch.chdir(sockdir)
    with ScriptedServer(echo, path="./@x") as server, UnixPoolManager() as pm:
        url = unixsocket_url.build_url(b"@x", "/exact")
        assert url == "http+unix://%40x/exact"
        assert pm.request("GET", url).data == b"GET /exact"
        assert server.accepted_connections == 1


def test_a_name_and_its_path_have_one_pool(scripted_server_factory: Any) -> None:
    server = scripted_server_factory(echo)
    with UnixPoolManager(sockets={"Docker": f"unix://{server.address}"}) as pm:
        pool = pm.connection_from_url(server.url_for("/"))
        assert pm.connection_from_url("http+unix://DOCKER/x") is pool
        assert pm.connection_from_host("docker", scheme="http+unix") is pool
        assert str(pool) == f"UnixHTTPConnectionPool(socket='docker ({server.address})')"


def test_a_held_socket_serves_requests_on_its_one_connection(held: socket.socket) -> None:
    with UnixPoolManager(sockets={"app": held}) as pm:
        for path in ("/health", "/v1/info", "/echo?x=1"):
            assert pm.request("GET", f"http+unix://app{path}").status == 200
        response = pm.request("GET", "http+unix://app/redirect")  # a relative Location
        assert json.loads(response.data)["server"] == "unixsocket-testutils demo"
        pool = pm.connection_from_url("http+unix://app/")
        assert pool.pool is not None
        assert (pool.pool.maxsize, pool.block, pool.num_connections) == (1, True, 1)
        if LINUX:
            credentials = peer_credentials(response)
            assert credentials is not None
            assert credentials.uid == os.getuid()


def test_a_held_socket_s_pool_is_never_evicted_by_other_sockets(
    held: socket.socket, scripted_server_factory: Any
) -> None:
    """urllib3 keeps ``num_pools`` pools and closes (1.26) or drops (2.x) the others."""
    others = [scripted_server_factory(echo) for _ in range(2)]
    with UnixPoolManager(num_pools=1, sockets={"app": held}) as pm:
        for server in [None, *others, None]:
            url = "http+unix://app/health" if server is None else server.url_for("/")
            assert pm.request("GET", url).status == 200
        assert len(pm.pools) == 1  # the last of the others


def test_a_held_pool_given_the_socket_directly(held: socket.socket) -> None:
    with UnixHTTPConnectionPool(held, maxsize=5, block=False) as pool:
        assert pool.pool is not None
        assert (pool.pool.maxsize, pool.block) == (1, True)
        assert pool.request("GET", "/health").data == b'{"status": "ok"}'
        assert "a held socket, fd" in str(pool)


def test_concurrent_requests_wait_for_the_held_connection(held: socket.socket) -> None:
    with UnixPoolManager(sockets={"app": held}) as pm:
        first = pm.request("GET", "http+unix://app/stream?lines=3", preload_content=False)
        with pytest.raises(EmptyPoolError) as raised:
            pm.request("GET", "http+unix://app/health", pool_timeout=0.2)
        assert "app (a held socket, fd" in str(raised.value)
        assert "which another request still has" in str(raised.value)

        answered: list[bytes] = []
        waiter = threading.Thread(
            target=lambda: answered.append(pm.request("GET", "http+unix://app/health").data)
        )
        waiter.start()
        time.sleep(0.2)
        assert not answered  # waiting, not interleaving bytes on the connection
        assert len(first.data.splitlines()) == 3
        first.release_conn()
        waiter.join(10)
        assert answered == [b'{"status": "ok"}']


def test_the_wait_for_a_held_connection_is_bounded_by_the_connect_timeout(
    held: socket.socket,
) -> None:
    timeout = urllib3.Timeout(connect=0.2, read=5)
    with UnixPoolManager(sockets={"app": held}, timeout=timeout) as pm:
        first = pm.request("GET", "http+unix://app/health", preload_content=False)
        started = time.monotonic()
        with pytest.raises(EmptyPoolError, match=r"waited 0\.2 s"):
            pm.request("GET", "http+unix://app/health")
        assert time.monotonic() - started < 5
        first.release_conn()


def test_a_held_socket_closed_cannot_be_reconnected_and_says_so(held: socket.socket) -> None:
    with UnixPoolManager(sockets={"app": held}) as pm:
        closing = pm.request("GET", "http+unix://app/health", headers={"Connection": "close"})
        assert closing.status == 200
        with pytest.raises(MaxRetryError) as raised:
            pm.request("GET", "http+unix://app/health")
        reason = raised.value.reason
        assert isinstance(reason, NewConnectionError)
        assert "cannot reconnect to app (a held socket, fd" in str(reason)
        assert "give the client a new socket" in str(reason)


def test_closing_the_manager_closes_held_sockets_used_or_not() -> None:
    with connected_server() as used, connected_server() as unused:
        with UnixPoolManager(sockets={"used": used, "unused": unused}) as pm:
            assert pm.request("GET", "http+unix://used/health").status == 200
            pool = pm.connection_from_url("http+unix://used/")  # kept: not closed by collection
        assert used.fileno() == unused.fileno() == -1
        assert pool.pool is None


@pytest.mark.parametrize(
    ("make", "error", "says"),
    [
        (
            lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM),
            unixsocket_url.InvalidSocket,
            "is not connected",
        ),
        (
            lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM),
            unixsocket_url.InvalidSocket,
            "is SOCK_DGRAM",
        ),
        (
            lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
            unixsocket_url.InvalidSocket,
            "not an AF_UNIX",
        ),
    ],
    ids=["unconnected", "datagram", "tcp"],
)
def test_unusable_sockets_are_refused_at_construction(
    make: Any, error: type[Exception], says: str
) -> None:
    with make() as sock:
        with pytest.raises(error, match=says):
            UnixPoolManager(sockets={"app": sock})
        with pytest.raises(error, match=says):
            UnixHTTPConnectionPool(sock)


def test_a_bad_name_or_spec_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="is not a host name"):
        UnixPoolManager(sockets={"a/b": "/run/a.sock"})
    with pytest.raises(unixsocket_url.InvalidAddress, match="is a TCP address"):
        UnixPoolManager(sockets={"docker": "tcp://127.0.0.1:2375"})


def test_a_connect_callable_is_called_per_connection_with_keep_alive_and_limits(
    scripted_server_factory: Any,
) -> None:
    server = scripted_server_factory(echo)
    calls: list[float] = []

    def dial() -> socket.socket:
        calls.append(time.monotonic())
        return unixsocket_url.connect(server.address)

    with UnixPoolManager(sockets={"helper": dial}, maxsize=2) as pm:
        for i in range(5):
            assert pm.request("GET", f"http+unix://helper/{i}").data == f"GET /{i}".encode()
        assert len(calls) == 1
        held = [pm.request("GET", "http+unix://helper/s", preload_content=False) for _ in range(3)]
        for response in held:
            response.read()
            response.release_conn()
        assert len(calls) == 3
        pool = pm.connection_from_url("http+unix://helper/")
        assert pool.pool is not None
        assert pool.pool.qsize() == 2  # the third connection was discarded, as urllib3 does
    assert server.accepted_connections == 3


def test_a_connect_callable_s_error_is_a_connect_error_naming_it() -> None:
    def dial() -> socket.socket:
        raise RuntimeError("the helper is not running")

    with UnixPoolManager(sockets={"priv": dial}) as pm, pytest.raises(NewConnectionError) as raised:
        pm.request("GET", "http+unix://priv/info", retries=False)
    message = str(raised.value)
    assert "cannot connect to priv (connect callable " in message
    assert "it raised RuntimeError('the helper is not running')" in message


@pytest.mark.skipif(not LINUX, reason="SO_PEERCRED is read on Linux only")
def test_expected_peer_uid_applies_to_a_held_socket(held: socket.socket) -> None:
    with (
        UnixPoolManager(sockets={"app": held}, expected_peer_uid=os.getuid() + 1) as pm,
        pytest.raises(SocketAccessDenied, match=r"'app \(a held socket, fd \d+\)': it is"),
    ):
        pm.request("GET", "http+unix://app/health")
    assert held.fileno() == -1


def test_tls_over_a_held_socket_and_a_connect_callable(sockdir: str) -> None:
    """urllib3 wraps whatever socket the connection opens: a held one, or a callable's."""
    context, ca_path, _ = tls_contexts(sockdir)
    with ScriptedServer(echo, ssl_context=context) as server:
        sources: dict[str, unixsocket_url.SocketSource] = {
            "held": unixsocket_url.connect(server.address),
            "dialed": lambda: unixsocket_url.connect(server.address),
        }
        with UnixPoolManager(sockets=sources, ca_certs=ca_path, cert_reqs="CERT_REQUIRED") as pm:
            for name in ("held", "dialed", "held", "dialed"):
                response = pm.request("GET", f"https+unix://{name}/tls")
                assert response.data == b"GET /tls"
        assert server.accepted_connections == 2
