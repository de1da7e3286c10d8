"""Pools, connections and the PoolManager through urllib3's own API: one pool per socket, bodies,
pools and connections used directly, URLs refused. Keep-alive and socket names on every flavor
are in tests/test_flavors."""

from __future__ import annotations

import socket
import sys
from typing import Any

import pytest
import urllib3
from urllib3.exceptions import LocationValueError

from unixsocket_testutils import UnixSocketServerThread
from urllib3_unixsocket import (
    UnixHTTPConnection,
    UnixHTTPConnectionPool,
    UnixPoolManager,
)

LINUX = sys.platform.startswith("linux")


def test_one_pool_per_socket(unix_server_factory: Any) -> None:
    first, second = unix_server_factory(), unix_server_factory()
    with UnixPoolManager() as pm:
        for server in (first, second, first, second):
            pm.request("GET", server.url_for("/x"))
        assert len(pm.pools) == 2
        pool = pm.connection_from_url(first.url_for("/other?y=2"))
        assert isinstance(pool, UnixHTTPConnectionPool)
        assert pool.address == first.address
        assert pm.connection_from_host(first.url.split("/")[2], scheme="http+unix") is pool
        assert pm.connection_from_socket(first.address) is pool
    assert first.accepted_connections == second.accepted_connections == 1


def test_post_body_and_json(unix_server: UnixSocketServerThread) -> None:
    with UnixPoolManager() as pm:
        pm.request("POST", unix_server.url_for("/a"), body=b"raw bytes")
        pm.request("PUT", unix_server.url_for("/b"), fields={"k": "v"}, encode_multipart=False)
    first, second = unix_server.requests
    assert (first.method, first.body) == ("POST", b"raw bytes")
    assert (second.method, second.body) == ("PUT", b"k=v")


def test_chunked_body_from_a_generator(unix_server: UnixSocketServerThread) -> None:
    def parts() -> Any:
        yield b"one,"
        yield b"two"

    with UnixPoolManager() as pm:
        pm.urlopen("POST", unix_server.url_for("/up"), body=parts(), chunked=True)
    (seen,) = unix_server.requests
    assert seen.body == b"one,two"
    assert seen.header("Transfer-Encoding") == "chunked"


def test_pool_used_directly_with_paths_and_urls(unix_server: UnixSocketServerThread) -> None:
    with UnixHTTPConnectionPool(unix_server.address, maxsize=2) as pool:
        assert pool.urlopen("GET", "/direct").status == 200
        assert pool.urlopen("GET", unix_server.url_for("/as-url?q=1")).status == 200
        assert pool.is_same_host(unix_server.url_for("/x"))
        assert not pool.is_same_host("http+unix://%2Fother.sock/x")
        assert not pool.is_same_host("http://localhost/x")
        with pytest.raises(urllib3.exceptions.HostChangedError):
            pool.urlopen("GET", "http+unix://%2Fother.sock/x")
        assert "s.sock" in str(pool)
    assert [seen.target for seen in unix_server.requests] == ["/direct", "/as-url?q=1"]
    assert unix_server.accepted_connections == 1


def test_connection_used_directly(unix_server: UnixSocketServerThread) -> None:
    conn = UnixHTTPConnection(unix_server.address, timeout=5)
    try:
        conn.request("GET", "/conn")
        response = conn.getresponse()
        assert response.status == 200
        # urllib3 2 preloads the body (.data); 1.26 hands back http.client's response
        body = getattr(response, "data", None) or response.read()
        assert body == b"Hello world!"
    finally:
        conn.close()
    assert unix_server.requests[0].header("Host") == "localhost"
    assert repr(conn) == f"UnixHTTPConnection(socket='{unix_server.usock}')"


def test_tcp_options_are_not_applied_to_unix_sockets(unix_server: UnixSocketServerThread) -> None:
    options = [
        (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
        (socket.SOL_SOCKET, socket.SO_SNDBUF, 65536),
    ]
    conn = UnixHTTPConnection(unix_server.address, socket_options=options)
    try:
        conn.connect()
        assert conn.sock is not None
        assert conn.sock.family == socket.AF_UNIX
        assert conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= 65536
    finally:
        conn.close()


def test_a_nul_inside_a_path_is_rejected_before_connecting(
    unix_server: UnixSocketServerThread,
) -> None:
    url = unix_server.url.rstrip("/") + "%00junk/x"
    with UnixPoolManager() as pm, pytest.raises(LocationValueError, match="NUL byte"):
        pm.request("GET", url)
    assert unix_server.accepted_connections == 0


@pytest.mark.parametrize(
    "url",
    ["http+unix:///tmp/x.sock/path", "http+unix://user@%2Ftmp%2Fx.sock/", "http+unix://%2Fx:80/"],
)
def test_malformed_urls_raise_location_value_error(url: str) -> None:
    with UnixPoolManager() as pm, pytest.raises(LocationValueError):
        pm.request("GET", url)
