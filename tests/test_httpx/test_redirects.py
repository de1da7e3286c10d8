"""Redirects through httpx's own API: a refused redirect's ``next_request`` sent by hand, and why
the Client exists (a bare mount cannot refuse). The redirect rules every flavor shares are in
tests/test_flavors."""

from __future__ import annotations

import pytest
from support.httpx_flavor import Client, RedirectRefused, UnixTransport, httpx
from support.redirects import redirecting

from unixsocket_testutils import UnixSocketServerThread
from unixsocket_testutils.pytest_plugin import ScriptedServerFactory


def test_tcp_to_socket_not_followed_then_sent_by_hand(
    scripted_server_factory: ScriptedServerFactory, unix_server: UnixSocketServerThread
) -> None:
    tcp = scripted_server_factory(redirecting({"/go": (302, unix_server.url_for("/x"))}), tcp=True)
    with Client() as client:
        response = client.get(tcp.url_for("/go"))
        assert response.status_code == 302
        assert response.next_request is not None
        with pytest.raises(RedirectRefused):
            client.send(response.next_request)
    assert unix_server.accepted_connections == 0


def test_plain_httpx_with_a_mount_is_the_unsafe_case(
    scripted_server_factory: ScriptedServerFactory, unix_server: UnixSocketServerThread
) -> None:
    """Why the Client exists: a bare mount cannot know where a request came from."""
    into = redirecting({"/go": (302, unix_server.url_for("/reached"))})
    tcp = scripted_server_factory(into, tcp=True)
    mounts = {"http+unix://": UnixTransport()}
    with httpx.Client(mounts=mounts, follow_redirects=True) as client:
        assert client.get(tcp.url_for("/go")).text == "Hello world!"
    assert [r.target for r in unix_server.requests] == ["/reached"]
