"""Redirect safety: nothing sends a client into a UNIX socket unless it came from that socket."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from support.httpx_flavor import AsyncClient, Client, RedirectRefused, UnixTransport, httpx
from support.tcp import TCPServer

from unixsocket_testutils import UnixSocketServerThread
from unixsocket_testutils.pytest_plugin import UnixServerFactory

CREDENTIALS = {
    "Authorization": "Bearer secret",
    "Proxy-Authorization": "Basic cHJveHk=",
    "Cookie": "session=abc",
}


@pytest.fixture
def tcp() -> Iterator[TCPServer]:
    server = TCPServer()
    yield server
    server.close()


def redirecting_app(routes: dict[str, tuple[str, str]]):  # type: ignore[no-untyped-def]
    """A WSGI app answering ``routes[path] = (status, location)``, else 200 'landed'."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read()
        status, location = routes.get(environ["PATH_INFO"], ("200 OK", ""))
        headers = [("Content-Length", "6")]
        if location:
            headers.append(("Location", location))
        start_response(status, headers)
        return [b"landed"]

    return app


def test_tcp_to_socket_is_refused(tcp: TCPServer, unix_server: UnixSocketServerThread) -> None:
    tcp.routes["/go"] = (307, unix_server.url_for("/containers/create"))
    with Client(follow_redirects=True) as client, pytest.raises(RedirectRefused) as info:
        client.post(f"{tcp.url}/go", json={"Image": "x"}, headers={"X-Api-Key": "k"})
    message = str(info.value)
    assert f"refused a redirect from http://127.0.0.1:{tcp.url.rsplit(':', 1)[1]}" in message
    assert unix_server.usock in message
    assert "allow_socket_redirects=True" in message
    assert info.value.request.url.path == "/containers/create"
    assert unix_server.accepted_connections == 0


def test_tcp_to_socket_not_followed_then_sent_by_hand(
    tcp: TCPServer, unix_server: UnixSocketServerThread
) -> None:
    tcp.routes["/go"] = (302, unix_server.url_for("/x"))
    with Client() as client:
        response = client.get(f"{tcp.url}/go")
        assert response.status_code == 302
        assert response.next_request is not None
        with pytest.raises(RedirectRefused):
            client.send(response.next_request)
    assert unix_server.accepted_connections == 0


def test_allowed_tcp_to_socket_strips_credentials(
    tcp: TCPServer, unix_server: UnixSocketServerThread
) -> None:
    tcp.routes["/go"] = (307, unix_server.url_for("/in"))
    with Client(follow_redirects=True, allow_socket_redirects=True) as client:
        response = client.post(f"{tcp.url}/go", content=b"data", headers=CREDENTIALS)
    assert response.text == "Hello world!"
    assert [r.status_code for r in response.history] == [307]
    (received,) = unix_server.requests
    assert (received.method, received.target, received.body) == ("POST", "/in", b"data")
    for name in CREDENTIALS:
        assert received.header(name) is None
    assert received.header("host") == "localhost"
    assert tcp.seen[0][1]["Authorization"] == "Bearer secret"


def test_same_socket_redirects_are_followed(
    sockdir: str, unix_server_factory: UnixServerFactory
) -> None:
    path = f"{sockdir}/Mixed.sock"  # absolute redirects must keep the case too
    routes: dict[str, tuple[str, str]] = {}
    server = unix_server_factory(redirecting_app(routes), path=path)
    absolute = "http+unix://" + path.replace("/", "%2F") + "/absolute-landed"
    routes.update(
        {
            "/rel": ("302 Found", "/relative-landed"),
            "/dir/sub": ("302 Found", "sibling"),
            "/abs": ("308 Permanent Redirect", absolute),
        }
    )
    with Client(follow_redirects=True) as client:
        for start in ("/rel", "/dir/sub", "/abs"):
            response = client.get(server.url_for(start), headers=CREDENTIALS)
            assert response.text == "landed"
            assert len(response.history) == 1
    targets = [r.target for r in server.requests]
    assert targets == [
        "/rel",
        "/relative-landed",
        "/dir/sub",
        "/dir/sibling",
        "/abs",
        "/absolute-landed",
    ]
    landed = server.requests[1::2]
    assert all(r.header("Authorization") == "Bearer secret" for r in landed)
    assert all(r.header("Proxy-Authorization") == "Basic cHJveHk=" for r in landed)
    assert server.accepted_connections == 1


def test_socket_to_other_socket(unix_server_factory: UnixServerFactory) -> None:
    other = unix_server_factory()
    routes: dict[str, tuple[str, str]] = {}
    source = unix_server_factory(redirecting_app(routes))
    routes["/hop"] = ("307 Temporary Redirect", other.url_for("/there"))
    with Client(follow_redirects=True) as client, pytest.raises(RedirectRefused) as info:
        client.get(source.url_for("/hop"))
    assert "to a different socket" in str(info.value)
    assert other.accepted_connections == 0
    with Client(follow_redirects=True, allow_socket_redirects=True) as client:
        response = client.get(source.url_for("/hop"), headers=CREDENTIALS)
    assert response.headers["x-socket-path"] == other.usock
    (received,) = other.requests
    assert received.target == "/there"
    for name in CREDENTIALS:
        assert received.header(name) is None
    assert source.requests[1].header("Authorization") == "Bearer secret"


def test_socket_to_tcp_is_followed_without_credentials(
    tcp: TCPServer, unix_server_factory: UnixServerFactory
) -> None:
    routes = {"/out": ("302 Found", f"{tcp.url}/outside")}
    source = unix_server_factory(redirecting_app(routes))
    with Client(follow_redirects=True) as client:
        response = client.get(source.url_for("/out"), headers=CREDENTIALS)
    assert response.text == "ok"
    ((path, headers),) = tcp.seen
    assert path == "/outside"
    assert not {"Authorization", "Proxy-Authorization", "Cookie"} & set(headers)


def test_plain_httpx_with_a_mount_is_the_unsafe_case(
    tcp: TCPServer, unix_server: UnixSocketServerThread
) -> None:
    """Why the Client exists: a bare mount cannot know where a request came from."""
    tcp.routes["/go"] = (302, unix_server.url_for("/reached"))
    mounts = {"http+unix://": UnixTransport()}
    with httpx.Client(mounts=mounts, follow_redirects=True) as client:
        assert client.get(f"{tcp.url}/go").text == "Hello world!"
    assert [r.target for r in unix_server.requests] == ["/reached"]


@pytest.mark.anyio
async def test_async_redirect_policy(
    tcp: TCPServer, unix_server_factory: UnixServerFactory
) -> None:
    target = unix_server_factory()
    routes = {"/rel": ("302 Found", "/landed")}
    source = unix_server_factory(redirecting_app(routes))
    tcp.routes["/go"] = (302, target.url_for("/x"))
    async with AsyncClient(follow_redirects=True) as client:
        with pytest.raises(RedirectRefused):
            await client.get(f"{tcp.url}/go")
        response = await client.get(source.url_for("/rel"))
        assert response.text == "landed"
    async with AsyncClient(follow_redirects=True, allow_socket_redirects=True) as client:
        response = await client.get(f"{tcp.url}/go", headers=CREDENTIALS)
        assert response.text == "Hello world!"
    assert [r.target for r in source.requests] == ["/rel", "/landed"]
    ((received),) = target.requests
    assert received.header("Authorization") is None
