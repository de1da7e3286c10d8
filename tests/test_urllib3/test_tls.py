"""https+unix:// through urllib3's own API: an explicit server name on a pool, and one pool per
scheme and socket. TLS on every flavor (verification, client certificates) is in
tests/test_flavors."""

from __future__ import annotations

from typing import Any

import pytest
from support.tls import tls_contexts
from urllib3.exceptions import SSLError

from unixsocket_testutils import echo
from urllib3_unixsocket import UnixHTTPSConnectionPool, UnixPoolManager


@pytest.fixture
def tls(sockdir: str) -> Any:
    return tls_contexts(sockdir)


def test_explicit_server_hostname(tls: Any, scripted_server_factory: Any) -> None:
    context, ca_path, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    with UnixHTTPSConnectionPool(
        server.address,
        ca_certs=ca_path,
        cert_reqs="CERT_REQUIRED",
        server_hostname="service.internal",
    ) as pool:
        assert pool.urlopen("GET", "/sni").data == b"GET /sni"
    assert names == ["service.internal"]
    with (
        UnixHTTPSConnectionPool(
            server.address,
            ca_certs=ca_path,
            cert_reqs="CERT_REQUIRED",
            server_hostname="wrong.example",
        ) as pool,
        pytest.raises(SSLError, match=r"wrong\.example"),
    ):
        pool.urlopen("GET", "/", retries=False)


def test_http_and_https_to_one_socket_are_different_pools(
    tls: Any, scripted_server_factory: Any
) -> None:
    context, ca_path, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    with UnixPoolManager(ca_certs=ca_path, cert_reqs="CERT_REQUIRED") as pm:
        http_pool = pm.connection_from_url(server.url_for("/"))
        https_pool = pm.connection_from_url(server.url_for("/", scheme="https+unix"))
        for path in ("/a", "/b?x=1"):  # one pool for every path on the socket
            response = pm.request("GET", server.url_for(path, scheme="https+unix"))
            assert response.data == f"GET {path}".encode()
        assert len(pm.pools) == 2
    assert type(http_pool).__name__ == "UnixHTTPConnectionPool"
    assert isinstance(https_pool, UnixHTTPSConnectionPool)
    assert http_pool is not https_pool
