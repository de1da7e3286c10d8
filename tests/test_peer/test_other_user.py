"""A socket served by another user (uid 65534): refused before a byte is sent, or trusted."""

from __future__ import annotations

import os

import pytest
import requests
from support.httpx_flavor import httpx, httpx_unixsocket
from urllib3.util.retry import Retry

import requests_unixsocket
import urllib3_unixsocket
from unixsocket_url import PeerCredentials, UnexpectedPeer

from .conftest import OTHER_UID, OtherUserServer


def refusal(server: OtherUserServer) -> str:
    """The message of every flavor's error: the socket, the server's uid and pid, ours."""
    return (
        f"cannot connect to UNIX socket '{server.path}': it is served by uid {OTHER_UID} "
        f"(pid {server.pid}), not by the expected uid {os.getuid()}; nothing was sent"
    )


def trusted(server: OtherUserServer) -> PeerCredentials:
    return PeerCredentials(pid=server.pid, uid=OTHER_UID, gid=OTHER_UID)


# ------------------------------------------------------------ refused: one attempt, no byte


def test_urllib3_refuses_it(other_user_server: OtherUserServer) -> None:
    pm = urllib3_unixsocket.UnixPoolManager(expected_peer_uid=os.getuid())
    with pm, pytest.raises(urllib3_unixsocket.SocketAccessDenied) as info:
        pm.request("POST", other_user_server.url, body=b"token", retries=Retry(connect=3))
    assert str(info.value) == refusal(other_user_server)
    assert isinstance(info.value.__cause__, UnexpectedPeer)
    assert other_user_server.connections() == [0]


def test_requests_refuses_it(other_user_server: OtherUserServer) -> None:
    with requests_unixsocket.Session(expected_peer_uid=os.getuid()) as session:
        adapter = session.get_adapter(other_user_server.url)
        assert isinstance(adapter, requests_unixsocket.UnixAdapter)
        adapter.max_retries = Retry(connect=3)
        with pytest.raises(requests_unixsocket.SocketAccessDenied) as info:
            session.post(other_user_server.url, data=b"token", headers={"X-Api-Key": "k"})
    assert str(info.value) == refusal(other_user_server)
    assert isinstance(info.value, requests.ConnectionError)
    assert info.value.request is not None
    assert other_user_server.connections() == [0]


def test_httpx_refuses_it(other_user_server: OtherUserServer) -> None:
    transport = httpx_unixsocket.UnixTransport(retries=3, expected_peer_uid=os.getuid())
    client = httpx_unixsocket.Client(mounts={"http+unix://": transport})
    with client, pytest.raises(httpx_unixsocket.SocketAccessDenied) as info:
        client.post(other_user_server.url, content=b"token")
    assert str(info.value) == refusal(other_user_server)
    assert isinstance(info.value, httpx.ConnectError)
    assert other_user_server.connections() == [0]


@pytest.mark.anyio
async def test_httpx_async_refuses_it(other_user_server: OtherUserServer) -> None:
    transport = httpx_unixsocket.AsyncUnixTransport(retries=3, expected_peer_uid=os.getuid())
    async with httpx_unixsocket.AsyncClient(mounts={"http+unix://": transport}) as client:
        with pytest.raises(httpx_unixsocket.SocketAccessDenied) as info:
            await client.post(other_user_server.url, content=b"token")
    assert str(info.value) == refusal(other_user_server)
    assert other_user_server.connections() == [0]


# ---------------------------------------------------------- expected: sent, credentials shown


def test_urllib3_trusts_the_expected_user(other_user_server: OtherUserServer) -> None:
    with urllib3_unixsocket.UnixPoolManager(expected_peer_uid=OTHER_UID) as pm:
        response = pm.request("GET", other_user_server.url)
    assert response.data == b"ok"
    assert urllib3_unixsocket.peer_credentials(response) == trusted(other_user_server)
    assert [n > 0 for n in other_user_server.connections()] == [True]


def test_requests_trusts_the_expected_user(other_user_server: OtherUserServer) -> None:
    with requests.Session() as session:
        adapter = requests_unixsocket.UnixAdapter(expected_peer_uid=OTHER_UID)
        session.mount("http+unix://", adapter)
        response = session.get(other_user_server.url)
    assert response.text == "ok"
    assert requests_unixsocket.peer_credentials(response) == trusted(other_user_server)
    assert [n > 0 for n in other_user_server.connections()] == [True]


def test_httpx_trusts_the_expected_user(other_user_server: OtherUserServer) -> None:
    with httpx_unixsocket.Client(expected_peer_uid=OTHER_UID) as client:
        response = client.get(other_user_server.url)
    assert response.text == "ok"
    assert httpx_unixsocket.peer_credentials(response) == trusted(other_user_server)
    assert [n > 0 for n in other_user_server.connections()] == [True]


@pytest.mark.anyio
async def test_httpx_async_trusts_the_expected_user(other_user_server: OtherUserServer) -> None:
    async with httpx_unixsocket.AsyncClient(expected_peer_uid=OTHER_UID) as client:
        response = await client.get(other_user_server.url)
    assert response.text == "ok"
    assert httpx_unixsocket.peer_credentials(response) == trusted(other_user_server)
    assert [n > 0 for n in other_user_server.connections()] == [True]


def test_without_an_expectation_the_credentials_tell_who_served(
    other_user_server: OtherUserServer,
) -> None:
    with urllib3_unixsocket.UnixPoolManager() as pm:
        response = pm.request("GET", other_user_server.url)
    assert urllib3_unixsocket.peer_credentials(response) == trusted(other_user_server)
    assert len(other_user_server.connections()) == 1
