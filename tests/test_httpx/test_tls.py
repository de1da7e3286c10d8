"""https+unix://: TLS over the socket, certificate checks against an explicit server name."""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Callable

import httpx
import pytest
import trustme

from httpx_unixsocket import AsyncClient, AsyncUnixTransport, Client, UnixTransport
from unixsocket_url import build_url

from .conftest import ScriptedServer, read_head

Scripted = Callable[[Callable[[socket.socket], None]], ScriptedServer]


class TLSServer:
    def __init__(self, scripted: Scripted, names: tuple[str, ...]) -> None:
        self.ca = trustme.CA()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(*names).configure_cert(self.context)
        self.sni: list[str | None] = []
        self.targets: list[str] = []
        self.context.sni_callback = lambda _obj, name, _ctx: self.sni.append(name)
        self.server = scripted(self.handle)
        self.url = build_url(self.server.path, "/", scheme="https+unix")

    def handle(self, conn: socket.socket) -> None:
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate
        with tls:
            while True:
                head = read_head(tls)
                if not head:
                    return
                self.targets.append(head.split(b" ")[1].decode())
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")

    def trusting(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


@pytest.fixture
def tls_server(scripted: Scripted) -> TLSServer:
    return TLSServer(scripted, ("localhost",))


@pytest.fixture
def named_tls_server(scripted: Scripted) -> TLSServer:
    return TLSServer(scripted, ("api.internal",))


def test_https_over_the_socket(tls_server: TLSServer) -> None:
    with Client(verify=tls_server.trusting()) as client:
        for path in ("/a", "/b"):
            response = client.get(tls_server.url + path.lstrip("/"))
            assert response.text == "secret"
        stream = response.extensions["network_stream"]
        assert stream.get_extra_info("ssl_object").version().startswith("TLS")
    assert tls_server.targets == ["/a", "/b"]
    assert tls_server.sni == ["localhost"]
    assert tls_server.server.accepted == 1


def test_untrusted_certificate_is_a_connect_error(tls_server: TLSServer) -> None:
    with Client() as client, pytest.raises(httpx.ConnectError) as info:
        client.get(tls_server.url)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert tls_server.server.path in str(info.value)
    assert tls_server.targets == []
    with Client(verify=False) as insecure:
        assert insecure.get(tls_server.url).text == "secret"


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
async def test_async_https_over_the_socket(tls_server: TLSServer) -> None:
    async with AsyncClient(verify=tls_server.trusting()) as client:
        for path in ("a", "b"):
            assert (await client.get(tls_server.url + path)).text == "secret"
    async with AsyncClient() as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(tls_server.url)
    assert tls_server.targets == ["/a", "/b"]


@pytest.mark.anyio
async def test_async_explicit_server_name(named_tls_server: TLSServer) -> None:
    transport = AsyncUnixTransport(
        verify=named_tls_server.trusting(), server_hostname="api.internal"
    )
    async with httpx.AsyncClient(mounts={"https+unix://": transport}) as client:
        assert (await client.get(named_tls_server.url + "x")).text == "secret"
    assert named_tls_server.sni == ["api.internal"]
    assert os.path.exists(named_tls_server.server.path)
