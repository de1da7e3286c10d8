"""https+unix:// through httpx's own API: certificate checks against an explicit server name (the
transport's option, the request's extension). TLS on every flavor is in tests/test_flavors."""

from __future__ import annotations

import os
import ssl

import pytest
import trustme
from support.httpx_flavor import AsyncUnixTransport, Client, UnixTransport, httpx

from unixsocket_testutils import Connection
from unixsocket_testutils.pytest_plugin import ScriptedServerFactory


class TLSServer:
    """A TLS server whose certificate names ``api.internal`` only (not ``localhost``)."""

    def __init__(self, scripted: ScriptedServerFactory) -> None:
        self.ca = trustme.CA()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("api.internal").configure_cert(self.context)
        self.sni: list[str | None] = []
        self.targets: list[str] = []
        self.context.sni_callback = lambda _obj, name, _ctx: self.sni.append(name)
        self.server = scripted(behaviour=self.handle, ssl_context=self.context)
        self.url = self.server.url_for("/", scheme="https+unix")

    def handle(self, conn: Connection) -> None:
        while (head := conn.read_head()) is not None:
            self.targets.append(head.target)
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")

    def trusting(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


@pytest.fixture
def named_tls_server(scripted_server_factory: ScriptedServerFactory) -> TLSServer:
    return TLSServer(scripted_server_factory)


def test_explicit_server_name(named_tls_server: TLSServer) -> None:
    context = named_tls_server.trusting()
    with Client(verify=context) as client, pytest.raises(httpx.ConnectError, match="localhost"):
        client.get(named_tls_server.url)
    transport = UnixTransport(verify=context, server_hostname="api.internal")
    with httpx.Client(mounts={"https+unix://": transport}) as client:
        assert client.get(named_tls_server.url + "t").text == "secret"
    with Client(verify=context) as client:
        response = client.get(
            named_tls_server.url + "e", extensions={"sni_hostname": "api.internal"}
        )
        assert response.text == "secret"
    assert named_tls_server.targets == ["/t", "/e"]
    assert named_tls_server.sni[-2:] == ["api.internal", "api.internal"]


@pytest.mark.anyio
async def test_async_explicit_server_name(named_tls_server: TLSServer) -> None:
    transport = AsyncUnixTransport(
        verify=named_tls_server.trusting(), server_hostname="api.internal"
    )
    async with httpx.AsyncClient(mounts={"https+unix://": transport}) as client:
        assert (await client.get(named_tls_server.url + "x")).text == "secret"
    assert named_tls_server.sni == ["api.internal"]
    assert os.path.exists(named_tls_server.server.address)
