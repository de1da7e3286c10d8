"""https+unix:// on every flavor: TLS over the socket, verified against a CA file (trustme),
refused for an unknown CA, unverified when asked, with a client certificate."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from support.flavors import CERTIFICATE, Flavor
from support.tls import tls_contexts

from unixsocket_testutils import Connection, Reply, ScriptedServer, serving
from unixsocket_testutils.pytest_plugin import ScriptedServerFactory


class TLSServer:
    """A scripted server speaking TLS, recording each connection's SNI, TLS version and client
    certificate, and answering ``"{method} {target}"``."""

    def __init__(self, scripted: ScriptedServerFactory, sockdir: str) -> None:
        self.context, self.ca_path, self.ca = tls_contexts(sockdir)
        self.names: list[str | None] = []
        self.context.sni_callback = lambda _sock, name, _context: self.names.append(name)
        self.versions: list[str | None] = []
        self.peers: list[Any] = []
        self.server: ScriptedServer = scripted(behaviour=self.handle, ssl_context=self.context)

    def handle(self, conn: Connection) -> None:
        assert isinstance(conn.sock, ssl.SSLSocket)
        self.versions.append(conn.sock.version())
        self.peers.append(conn.sock.getpeercert())
        serving(lambda request: Reply(body=f"{request.method} {request.target}".encode()))(conn)

    def url_for(self, path: str) -> str:
        return self.server.url_for(path, scheme="https+unix")


@pytest.fixture
def tls(scripted_server_factory: ScriptedServerFactory, sockdir: str) -> TLSServer:
    return TLSServer(scripted_server_factory, sockdir)


def test_verified_tls_over_the_socket(flavor: Flavor, tls: TLSServer) -> None:
    with flavor.client(verify=tls.ca_path) as client:
        for path in ("/a", "/b?x=1"):
            assert client.request("GET", tls.url_for(path)).body == f"GET {path}".encode()
    assert tls.server.accepted_connections == 1
    assert tls.server.requests[0].header("host") == "localhost"
    assert tls.names == ["localhost"]  # the name checked against the certificate
    assert tls.versions[0] is not None
    assert tls.versions[0].startswith("TLS")


def test_unknown_ca_is_refused(flavor: Flavor, tls: TLSServer) -> None:
    with flavor.client() as client, flavor.raises(CERTIFICATE) as raised:
        client.request("GET", tls.url_for("/"))
    assert "CERTIFICATE_VERIFY_FAILED" in raised.message
    # the socket is named (urllib3's SSLError is the ssl module's own, and the MaxRetryError
    # around it names the pool)
    if flavor.name != "urllib3":
        assert tls.server.describe() in raised.message
    assert tls.server.requests == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_unverified_when_asked(flavor: Flavor, tls: TLSServer) -> None:
    with flavor.client(verify=False) as client:
        assert client.request("GET", tls.url_for("/insecure")).body == b"GET /insecure"


def test_client_certificate(flavor: Flavor, tls: TLSServer, sockdir: str) -> None:
    tls.context.verify_mode = ssl.CERT_REQUIRED
    tls.ca.configure_trust(tls.context)
    issued = tls.ca.issue_cert("client.example")
    cert = (f"{sockdir}/client.crt", f"{sockdir}/client.key")
    issued.cert_chain_pems[0].write_to_path(cert[0])
    issued.private_key_pem.write_to_path(cert[1])
    with flavor.client(verify=tls.ca_path, cert=cert) as client:
        assert client.request("GET", tls.url_for("/mtls")).body == b"GET /mtls"
    assert tls.peers[0]["subjectAltName"] == (("DNS", "client.example"),)
