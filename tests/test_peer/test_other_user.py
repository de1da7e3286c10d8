"""A socket served by another user (uid 65534): refused before a byte is sent, or trusted."""

from __future__ import annotations

import os

from support.flavors import DENIED, Flavor

from unixsocket_url import PeerCredentials

from .conftest import OTHER_UID, OtherUserServer, unexpected_peer


def refusal(server: OtherUserServer) -> str:
    """The message of every flavor's error: the socket, the server's uid and pid, ours."""
    return (
        f"cannot connect to UNIX socket '{server.path}': it is served by uid {OTHER_UID} "
        f"(pid {server.pid}), not by the expected uid {os.getuid()}; nothing was sent"
    )


def trusted(server: OtherUserServer) -> PeerCredentials:
    return PeerCredentials(pid=server.pid, uid=OTHER_UID, gid=OTHER_UID)


def test_refused_after_one_attempt_without_a_byte(
    flavor: Flavor, other_user_server: OtherUserServer
) -> None:
    with (
        flavor.client(expected_peer_uid=os.getuid(), **flavor.retry_kw(3)) as client,
        flavor.raises(DENIED) as raised,
    ):
        client.request("POST", other_user_server.url, body=b"token", headers={"X-Api-Key": "k"})
    assert raised.message == refusal(other_user_server)
    assert unexpected_peer(raised.error).peer == trusted(other_user_server)
    assert other_user_server.connections() == [0]


def test_the_expected_user_is_trusted(flavor: Flavor, other_user_server: OtherUserServer) -> None:
    with flavor.client(expected_peer_uid=OTHER_UID) as client:
        response = client.request("GET", other_user_server.url)
    assert response.body == b"ok"
    assert response.peer == trusted(other_user_server)
    assert [n > 0 for n in other_user_server.connections()] == [True]


def test_without_an_expectation_the_credentials_tell_who_served(
    flavor: Flavor, other_user_server: OtherUserServer
) -> None:
    with flavor.client() as client:
        response = client.request("GET", other_user_server.url)
    assert response.peer == trusted(other_user_server)
    assert len(other_user_server.connections()) == 1
