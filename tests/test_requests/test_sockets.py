"""Socket specs, named sockets, held sockets and connect callables in requests-unixsocket.

Held sockets are served by ``connected_server``: the demo WSGI app in a child process on the
other end of a ``socketpair``, the parent's end received over ``SCM_RIGHTS``. The redirect
policy of names is tested for every flavor in tests/test_faults/test_named_sockets.py.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from typing import Any

import pytest
import requests
from support.tls import tls_contexts

import requests_unixsocket
import unixsocket_url
from requests_unixsocket.adapters import UnixHTTPConnectionPool
from unixsocket_testutils import ScriptedServer, connected_server, echo

LINUX = sys.platform.startswith("linux")


def test_an_adapter_with_names_on_a_plain_session(scripted_server_factory: Any) -> None:
    """HTTPie's plugin mounts the adapter on a requests.Session: names work there too."""
    server = scripted_server_factory(echo)
    with requests.Session() as session:
        session.mount(
            "http+unix://", requests_unixsocket.UnixAdapter(sockets={"app": server.address})
        )
        assert session.get("http+unix://app/plain").text == "GET /plain"


def test_a_url_s_socket_is_used_exactly_never_read_again_as_a_spec(
    sockdir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host requests would not carry as written is re-encoded (a ``+`` here); the socket stays
    the relative path ``unix:a+b``, which as a spec would be ``a+b``. So does the 0.4 pool's
    socket URL."""
    monkeypatch.chdir(sockdir)
    with ScriptedServer(echo, path="./unix:a+b") as server:
        with requests_unixsocket.Session() as session:
            assert session.get("http+unix://unix%3Aa+b/exact").text == "GET /exact"
        with UnixHTTPConnectionPool("http+unix://unix%3Aa+b") as pool:
            assert pool.request("GET", "/old").data == b"GET /old"
    assert server.accepted_connections == 2


def test_a_held_socket_serves_a_session(held: socket.socket) -> None:
    with requests_unixsocket.Session(sockets={"app": held}) as session:
        assert session.get("http+unix://app/health").json() == {"status": "ok"}
        assert session.post("http+unix://app/echo", json={"a": 1}).json()["method"] == "POST"
        response = session.get("http+unix://app/redirect")  # a relative Location, followed
        assert response.json()["server"] == "unixsocket-testutils demo"
        assert [r.status_code for r in response.history] == [302]
        if LINUX:
            credentials = requests_unixsocket.peer_credentials(response)
            assert credentials is not None
            assert credentials.uid == os.getuid()


def test_a_request_waiting_for_a_busy_held_socket_times_out_as_a_connect_timeout(
    held: socket.socket,
) -> None:
    with requests_unixsocket.Session(sockets={"app": held}) as session:
        with session.get("http+unix://app/stream?lines=2", stream=True) as first:
            started = time.monotonic()
            with pytest.raises(requests.ConnectTimeout) as raised:
                session.get("http+unix://app/health", timeout=(0.2, 5))
            assert time.monotonic() - started < 5
            assert "app (a held socket, fd" in str(raised.value)
            assert "which another request still has" in str(raised.value)
            assert len(first.content.splitlines()) == 2
        assert session.get("http+unix://app/health", timeout=(0.2, 5)).ok


def test_a_held_socket_closed_cannot_be_reconnected_and_says_so(held: socket.socket) -> None:
    with requests_unixsocket.Session(sockets={"app": held}) as session:
        assert session.get("http+unix://app/health", headers={"Connection": "close"}).ok
        with pytest.raises(requests.ConnectionError) as raised:
            session.get("http+unix://app/health")
    assert "cannot reconnect to app (a held socket, fd" in str(raised.value)


def test_closing_the_session_closes_held_sockets_used_or_not() -> None:
    with connected_server() as used, connected_server() as unused:
        session = requests_unixsocket.Session(sockets={"used": used, "unused": unused})
        assert session.get("http+unix://used/health").ok
        session.close()
        assert used.fileno() == unused.fileno() == -1


@pytest.mark.parametrize(
    ("family", "kind", "says"),
    [
        (socket.AF_UNIX, socket.SOCK_DGRAM, "is SOCK_DGRAM"),
        (socket.AF_INET, socket.SOCK_STREAM, "not an AF_UNIX socket"),
    ],
    ids=["datagram", "tcp"],
)
def test_unusable_sockets_are_refused_at_construction(
    family: socket.AddressFamily, kind: socket.SocketKind, says: str
) -> None:
    with socket.socket(family, kind) as sock:
        with pytest.raises(unixsocket_url.InvalidSocket, match=says):
            requests_unixsocket.Session(sockets={"app": sock})
        with pytest.raises(unixsocket_url.InvalidSocket, match=says):
            requests_unixsocket.UnixAdapter(sockets={"app": sock})


def test_a_connect_callable_keeps_alive(scripted_server_factory: Any) -> None:
    server = scripted_server_factory(echo)
    calls: list[int] = []

    def dial() -> socket.socket:
        calls.append(1)
        return unixsocket_url.connect(server.address)

    with requests_unixsocket.Session(sockets={"helper": dial}) as session:
        for i in range(5):
            assert session.get(f"http+unix://helper/{i}").text == f"GET /{i}"
    assert len(calls) == server.accepted_connections == 1


def test_a_connect_callable_s_error_is_a_connection_error_naming_it() -> None:
    def dial() -> socket.socket:
        raise RuntimeError("the helper is not running")

    session = requests_unixsocket.Session(sockets={"priv": dial})
    with session, pytest.raises(requests.ConnectionError) as raised:
        session.get("http+unix://priv/info")
    assert "cannot connect to priv (connect callable " in str(raised.value)
    assert "the helper is not running" in str(raised.value)


@pytest.mark.skipif(not LINUX, reason="SO_PEERCRED is read on Linux only")
def test_expected_peer_uid_applies_to_a_held_socket(held: socket.socket) -> None:
    session = requests_unixsocket.Session(sockets={"app": held}, expected_peer_uid=os.getuid() + 1)
    with session, pytest.raises(requests_unixsocket.SocketAccessDenied, match="'app \\(a held"):
        session.get("http+unix://app/health")


def test_tls_over_a_held_socket(sockdir: str) -> None:
    context, ca_path, _ = tls_contexts(sockdir)
    with ScriptedServer(echo, ssl_context=context) as server:
        sockets = {"app": unixsocket_url.connect(server.address)}
        with requests_unixsocket.Session(sockets=sockets) as session:
            for path in ("/a", "/b"):
                assert session.get(f"https+unix://app{path}", verify=ca_path).text == f"GET {path}"
        assert server.accepted_connections == 1
