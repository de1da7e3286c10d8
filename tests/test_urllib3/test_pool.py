"""Pools and the PoolManager against the shared test server: one pool, one connection per socket."""

from __future__ import annotations

import os
import socket
import sys
import threading
from typing import Any

import pytest
import urllib3
from urllib3.exceptions import LocationValueError

from unixsocket_testutils import ScriptedServer, UnixSocketServerThread, echo
from unixsocket_url import build_url
from urllib3_unixsocket import (
    UnixHTTPConnection,
    UnixHTTPConnectionPool,
    UnixPoolManager,
)

LINUX = sys.platform.startswith("linux")


def test_get_through_the_pool_manager(unix_server: UnixSocketServerThread) -> None:
    with UnixPoolManager() as pm:
        response = pm.request("GET", unix_server.url_for("/v1/info", {"verbose": "1"}))
    assert response.status == 200
    assert response.data == b"Hello world!"
    (seen,) = unix_server.requests
    assert (seen.method, seen.target) == ("GET", "/v1/info?verbose=1")
    assert seen.header("Host") == "localhost"


def test_many_paths_and_queries_share_one_connection(unix_server: UnixSocketServerThread) -> None:
    with UnixPoolManager() as pm:
        for i in range(100):
            url = unix_server.url_for(f"/items/{i % 50}", {"n": str(i)})
            assert pm.request("GET", url).status == 200
        assert len(pm.pools) == 1
    assert unix_server.accepted_connections == 1
    targets = [seen.target for seen in unix_server.requests]
    assert len(targets) == 100
    assert len({target.partition("?")[0] for target in targets}) == 50
    assert {seen.connection_index for seen in unix_server.requests} == {0}


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


def test_host_header_can_be_set(unix_server: UnixSocketServerThread) -> None:
    with UnixPoolManager() as pm:
        pm.request("GET", unix_server.url_for("/"), headers={"Host": "api.example"})
    assert unix_server.requests[0].header("Host") == "api.example"


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


def test_plain_http_urls_still_work() -> None:
    with ScriptedServer(echo, tcp=True) as tcp, UnixPoolManager() as pm:
        response = pm.request("GET", tcp.url_for("/plain?x=1"))
    assert response.data == b"GET /plain?x=1"
    assert tcp.requests[0].header("host") == f"127.0.0.1:{tcp.port}"


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


@pytest.mark.skipif(not LINUX, reason="abstract names are Linux-only")
def test_abstract_names_through_percent_00_and_literal_nul(
    unix_server_factory: Any,
) -> None:
    server = unix_server_factory(abstract="u3-Abstract-Name")
    with UnixPoolManager() as pm:
        assert pm.request("GET", "http+unix://%00u3-Abstract-Name/a").status == 200
        assert pm.request("GET", "http+unix://\0u3-Abstract-Name/b").status == 200
        assert len(pm.pools) == 1
    assert [seen.target for seen in server.requests] == ["/a", "/b"]
    assert server.accepted_connections == 1


@pytest.mark.parametrize("name", ["My App.sock", "a+b%c.sock", "caf\u00e9 \u2603.sock"])
def test_names_with_case_spaces_plus_percent_and_non_ascii(
    unix_server_factory: Any, sockdir: str, name: str
) -> None:
    server = unix_server_factory(path=os.path.join(sockdir, name))
    with UnixPoolManager() as pm:
        response = pm.request("GET", build_url(server.address, "/n"))
    assert response.status == 200
    assert response.headers["X-Socket-Path"].encode("latin-1").decode() == server.usock


@pytest.mark.skipif(not LINUX, reason="paths over 107 bytes are reachable on Linux only")
def test_paths_longer_than_107_bytes(unix_server_factory: Any, sockdir: str) -> None:
    deep = os.path.join(sockdir, "d" * 60, "e" * 60)
    os.makedirs(deep)
    server = unix_server_factory(path=os.path.join(sockdir, "s.sock"))
    long_path = os.path.join(deep, "s.sock")
    os.rename(server.usock, long_path)  # bind() cannot take the long path; a rename keeps it bound
    assert len(long_path.encode()) > 107
    with UnixPoolManager() as pm:
        assert pm.request("GET", build_url(long_path, "/long")).status == 200
    assert server.requests[0].target == "/long"


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


def test_threads_share_the_pool_without_discards(
    unix_server: UnixSocketServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[BaseException] = []
    with UnixPoolManager(maxsize=8) as pm:

        def work(n: int) -> None:
            try:
                for i in range(20):
                    pm.request("GET", unix_server.url_for(f"/t{n}/{i}"))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert len(unix_server.requests) == 160
    assert unix_server.accepted_connections <= 8
    assert "Connection pool is full" not in caplog.text
