"""https+unix:// through requests: verify and cert over TLS on a UNIX socket (trustme CA)."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
import requests
from support.tls import tls_contexts

from requests_unixsocket import Session
from unixsocket_testutils import Connection, echo, serving


@pytest.fixture
def tls(sockdir: str) -> Any:
    return tls_contexts(sockdir)


def test_verify_with_a_ca_bundle(tls: Any, scripted_server_factory: Any) -> None:
    context, ca_path, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    with Session() as session:
        for path in ("/a", "/b?c=d"):
            response = session.get(server.url_for(path, scheme="https+unix"), verify=ca_path)
            assert response.text == f"GET {path}"
    assert server.accepted_connections == 1


def test_unknown_ca_is_an_ssl_error(tls: Any, scripted_server_factory: Any) -> None:
    context, _, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    with Session() as session, pytest.raises(requests.exceptions.SSLError):
        session.get(server.url_for("/", scheme="https+unix"))


def test_verify_false(tls: Any, scripted_server_factory: Any) -> None:
    import warnings

    import urllib3

    context, _, _ = tls
    server = scripted_server_factory(echo, ssl_context=context)
    with Session() as session, warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        response = session.get(server.url_for("/insecure", scheme="https+unix"), verify=False)
    assert response.text == "GET /insecure"


def test_client_certificate(tls: Any, scripted_server_factory: Any, sockdir: str) -> None:
    context, ca_path, ca = tls
    context.verify_mode = ssl.CERT_REQUIRED
    ca.configure_trust(context)
    client = ca.issue_cert("client.example")
    cert_path, key_path = f"{sockdir}/client.crt", f"{sockdir}/client.key"
    client.cert_chain_pems[0].write_to_path(cert_path)
    client.private_key_pem.write_to_path(key_path)
    peers: list[Any] = []

    def behaviour(conn: Connection) -> None:
        peers.append(conn.sock.getpeercert())  # type: ignore[attr-defined]
        serving(echo)(conn)

    server = scripted_server_factory(behaviour=behaviour, ssl_context=context)
    with Session() as session:
        response = session.get(
            server.url_for("/mtls", scheme="https+unix"), verify=ca_path, cert=(cert_path, key_path)
        )
    assert response.text == "GET /mtls"
    assert peers[0]["subjectAltName"] == (("DNS", "client.example"),)
