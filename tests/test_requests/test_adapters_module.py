"""``requests_unixsocket.adapters``: the names and call shapes of requests-unixsocket 0.4."""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import pytest
import requests
from urllib3.exceptions import NewConnectionError

import requests_unixsocket
import urllib3_unixsocket
from requests_unixsocket.adapters import UnixAdapter, UnixHTTPConnection, UnixHTTPConnectionPool
from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import build_url


def test_the_adapter_is_the_package_adapter() -> None:
    assert UnixAdapter is requests_unixsocket.UnixAdapter
    assert requests_unixsocket.adapters.UnixAdapter is UnixAdapter


def test_pool_from_a_socket_url_keeps_one_connection(unix_server: UnixSocketServerThread) -> None:
    pool = UnixHTTPConnectionPool(unix_server.url_for("/ignored"))
    assert pool.socket_path == unix_server.url_for("/ignored")
    assert pool.timeout.connect_timeout == 60
    assert isinstance(pool, urllib3_unixsocket.UnixHTTPConnectionPool)
    with pool:
        assert pool.urlopen("GET", "/a?x=1").data == b"Hello world!"
        assert pool.request("POST", unix_server.url_for("/b"), body=b"hi").status == 200
    assert [r.target for r in unix_server.requests] == ["/a?x=1", "/b"]
    assert unix_server.accepted_connections == 1


def test_pool_positional_timeout_and_custom_scheme(unix_server: UnixSocketServerThread) -> None:
    url = unix_server.url_for("/").replace("http+unix://", "http+docker://")
    with UnixHTTPConnectionPool(url, 5) as pool:
        assert pool.timeout.read_timeout == 5
        assert pool.urlopen("GET", "/").status == 200


def test_pool_error_names_the_socket(sockdir: str) -> None:
    path = os.path.join(sockdir, "gone.sock")
    with UnixHTTPConnectionPool(build_url(path)) as pool, pytest.raises(NewConnectionError) as info:
        pool.urlopen("GET", "/", retries=False)
    assert f"cannot connect to UNIX socket '{path}': no such file or directory" in str(info.value)


def test_a_path_or_plain_url_is_refused_at_once() -> None:
    for not_a_socket_url in ("/var/run/docker.sock", "http://localhost/"):
        with pytest.raises(requests.exceptions.InvalidURL, match="expected 'http\\+unix"):
            UnixHTTPConnectionPool(not_a_socket_url)
        with pytest.raises(ValueError, match="expected 'http\\+unix"):
            UnixHTTPConnection(not_a_socket_url)


def test_connection_from_a_socket_url(unix_server: UnixSocketServerThread) -> None:
    conn = UnixHTTPConnection(unix_server.url_for("/"), timeout=5)
    assert conn.unix_socket_url == unix_server.url_for("/")
    assert conn.timeout == 5
    try:
        for path in ("/one", "/two"):
            conn.request("GET", path)
            response: Any = conn.getresponse()
            # urllib3 2 gives its own response, body preloaded; 1.26 gives http.client's
            body = response.data if hasattr(response, "data") else response.read()
            assert body == b"Hello world!"
    finally:
        conn.close()
    assert unix_server.accepted_connections == 1


def test_connection_default_timeout(unix_server: UnixSocketServerThread) -> None:
    assert UnixHTTPConnection(unix_server.url_for("/")).timeout == 60


def test_patching_the_package_adapter_changes_what_session_mounts(
    unix_server: UnixSocketServerThread,
) -> None:
    """Tests written for requests-unixsocket replace ``requests_unixsocket.UnixAdapter``."""
    with mock.patch("requests_unixsocket.UnixAdapter") as fake:
        session = requests_unixsocket.Session()
        assert session.get_adapter("http+unix://x/") is fake.return_value
    with requests_unixsocket.Session() as session:
        response = session.get(unix_server.url_for("/"))
        assert isinstance(response.connection, UnixAdapter)
