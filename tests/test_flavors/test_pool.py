"""Keep-alive on every flavor: one connection per socket for any path, the Host header, every
spelling of a socket's name, threads sharing one client, ordinary http:// URLs."""

from __future__ import annotations

import logging
import os
import sys

import pytest
from support.flavors import Flavor
from support.threads import in_threads

from unixsocket_testutils import ScriptedServer, UnixSocketServerThread, echo
from unixsocket_testutils.pytest_plugin import UnixServerFactory
from unixsocket_url import build_url

LINUX = sys.platform.startswith("linux")


def test_get_with_a_query(flavor: Flavor, unix_server: UnixSocketServerThread) -> None:
    with flavor.client() as client:
        response = client.request("GET", unix_server.url_for("/v1/info", {"verbose": "1"}))
    assert (response.status, response.body) == (200, b"Hello world!")
    assert response.headers["x-requested-path"] == "/v1/info"
    (seen,) = unix_server.requests
    assert (seen.method, seen.target) == ("GET", "/v1/info?verbose=1")


def test_many_paths_and_queries_share_one_connection(
    flavor: Flavor, unix_server: UnixSocketServerThread
) -> None:
    with flavor.client() as client:
        for i in range(100):
            url = unix_server.url_for(f"/items/{i % 50}", {"n": str(i)})
            assert client.request("GET", url).status == 200
        assert client.request("GET", unix_server.url_for("/a%20b")).status == 200
        assert client.request("POST", unix_server.url_for("/p"), body=b"payload").status == 200
    *gets, spaced, posted = unix_server.requests
    assert len({seen.path for seen in gets}) == 50
    assert spaced.target == "/a%20b"
    assert (posted.method, posted.body) == ("POST", b"payload")
    assert unix_server.accepted_connections == 1
    assert {seen.connection_index for seen in unix_server.requests} == {0}


def test_host_header_is_localhost_unless_set(
    flavor: Flavor, unix_server: UnixSocketServerThread
) -> None:
    with flavor.client() as client:
        client.request("GET", unix_server.url)
        client.request("GET", unix_server.url, headers={"Host": "api.example"})
    hosts = [seen.header("Host") for seen in unix_server.requests]
    assert hosts == ["localhost", "api.example"]
    assert all(unix_server.usock not in str(seen.headers) for seen in unix_server.requests)


@pytest.mark.skipif(not LINUX, reason="abstract names are Linux-only")
def test_abstract_names_through_percent_00_and_literal_nul(
    flavor: Flavor, unix_server_factory: UnixServerFactory
) -> None:
    server = unix_server_factory(abstract="flavors-Abstract-Name")
    with flavor.client() as client:
        assert client.request("GET", "http+unix://%00flavors-Abstract-Name/a").status == 200
        assert client.request("GET", "http+unix://\0flavors-Abstract-Name/b").status == 200
    assert [seen.target for seen in server.requests] == ["/a", "/b"]
    assert server.accepted_connections == 1


@pytest.mark.parametrize("name", ["My App.sock", "a+b%c.sock", "caf\u00e9 \u2603.sock"])
def test_names_with_case_spaces_plus_percent_and_non_ascii(
    flavor: Flavor, unix_server_factory: UnixServerFactory, sockdir: str, name: str
) -> None:
    server = unix_server_factory(path=os.path.join(sockdir, name))
    with flavor.client() as client:
        response = client.request("GET", build_url(server.address, "/n"))
    value = response.headers["x-socket-path"]  # the server sends it in UTF-8
    if not flavor.name.startswith("httpx"):  # http.client decodes latin-1; httpx tries UTF-8
        value = value.encode("latin-1").decode()
    assert value == server.usock


@pytest.mark.skipif(not LINUX, reason="paths over 107 bytes are reachable on Linux only")
def test_paths_longer_than_107_bytes(
    flavor: Flavor, unix_server_factory: UnixServerFactory, sockdir: str
) -> None:
    deep = os.path.join(sockdir, "d" * 60, "e" * 60)
    os.makedirs(deep)
    server = unix_server_factory(path=os.path.join(sockdir, "s.sock"))
    long_path = os.path.join(deep, "s.sock")
    os.rename(server.usock, long_path)  # bind() cannot take the long path; a rename keeps it bound
    assert len(long_path.encode()) > 107
    with flavor.client() as client:
        assert client.request("GET", build_url(long_path, "/long")).status == 200
    assert server.requests[0].target == "/long"


def test_threads_share_the_pool_without_discards(
    flavor: Flavor, unix_server: UnixSocketServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    """Eight threads, one client whose pool holds eight connections per socket: none is made
    only to be thrown away (urllib3 logs each as "Connection pool is full")."""
    caplog.set_level(logging.WARNING, logger="urllib3")
    with flavor.client(max_connections=8) as client:

        def work(n: int) -> None:
            for i in range(20):
                assert client.request("GET", unix_server.url_for(f"/t{n}/{i}")).status == 200

        assert in_threads(8, work) == []
    assert len(unix_server.requests) == 160
    assert unix_server.accepted_connections <= 8
    assert "Connection pool is full" not in caplog.text


def test_plain_http_urls_still_work(flavor: Flavor) -> None:
    with ScriptedServer(echo, tcp=True) as tcp, flavor.client() as client:
        assert client.request("GET", tcp.url_for("/plain?x=1")).body == b"GET /plain?x=1"
    assert tcp.requests[0].header("host") == f"127.0.0.1:{tcp.port}"
