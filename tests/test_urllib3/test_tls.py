"""https+unix://: TLS over the socket with urllib3's TLS options and an explicit server name."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from support.tls import tls_contexts
from urllib3.exceptions import MaxRetryError, SSLError

from unixsocket_testutils import Connection, Reply, echo, serving
from urllib3_unixsocket import UnixHTTPSConnectionPool, UnixPoolManager


@pytest.fixture
def tls(sockdir: str) -> Any:
    return tls_contexts(sockdir)


def test_verified_tls_over_the_socket(tls: Any, scripted_server_factory: Any) -> None:
    context, ca_path, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    with UnixPoolManager(ca_certs=ca_path, cert_reqs="CERT_REQUIRED") as pm:
        for path in ("/a", "/b?x=1"):
            response = pm.request("GET", server.url_for(path, scheme="https+unix"))
            assert response.data == f"GET {path}".encode()
        assert len(pm.pools) == 1
    assert server.accepted_connections == 1
    assert server.requests[0].header("host") == "localhost"


def test_unknown_ca_fails_verification(tls: Any, scripted_server_factory: Any) -> None:
    context, _, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    with UnixPoolManager() as pm, pytest.raises(MaxRetryError) as info:
        pm.request("GET", server.url_for("/", scheme="https+unix"), retries=1)
    assert isinstance(info.value.reason, SSLError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value.reason)


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


def test_client_certificate(tls: Any, scripted_server_factory: Any, sockdir: str) -> None:
    context, ca_path, ca = tls
    context.verify_mode = ssl.CERT_REQUIRED
    ca.configure_trust(context)
    client = ca.issue_cert("client.example")
    cert_path = f"{sockdir}/client.pem"
    client.private_key_and_cert_chain_pem.write_to_path(cert_path)
    peers: list[Any] = []

    def behaviour(conn: Connection) -> None:
        peers.append(conn.sock.getpeercert())  # type: ignore[attr-defined]
        serving(lambda request: Reply(body=b"mutual"))(conn)

    server = scripted_server_factory(behaviour=behaviour, ssl_context=context)
    with UnixPoolManager(ca_certs=ca_path, cert_file=cert_path) as pm:
        assert pm.request("GET", server.url_for("/", scheme="https+unix")).data == b"mutual"
    assert peers[0]["subjectAltName"] == (("DNS", "client.example"),)


def test_http_and_https_to_one_socket_are_different_pools(
    tls: Any, scripted_server_factory: Any
) -> None:
    context, ca_path, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    with UnixPoolManager(ca_certs=ca_path) as pm:
        http_pool = pm.connection_from_url(server.url_for("/"))
        https_pool = pm.connection_from_url(server.url_for("/", scheme="https+unix"))
    assert type(http_pool).__name__ == "UnixHTTPConnectionPool"
    assert isinstance(https_pool, UnixHTTPSConnectionPool)
    assert http_pool is not https_pool
