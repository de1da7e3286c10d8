"""Socket targets and names: what a client may be given for a socket, checked at once."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator

import pytest
from support.forked import said_in_child

from unixsocket_url import (
    ConnectAttempt,
    InvalidAddress,
    InvalidSocket,
    PeerCredentials,
    SocketNames,
    SocketTarget,
    UnexpectedPeer,
    UnixConnectError,
    build_url,
    check_held_socket,
    redirect_refusal,
    same_socket,
)
from unixsocket_url._peer import SUPPORTED as PEERCRED_SUPPORTED


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_a_spec_is_an_address() -> None:
    target = SocketTarget("unix:///var/run/docker.sock", "docker")
    assert target.address == "/var/run/docker.sock"
    assert not target.held
    assert target.shown == "docker (/var/run/docker.sock)"
    with pytest.raises(ValueError, match="is an address"):
        target.open()


def test_a_held_socket_is_handed_over_once(pair: tuple[socket.socket, socket.socket]) -> None:
    target = SocketTarget(pair[0], "app")
    assert target.held
    assert target.address is None
    assert target.shown == f"app (a held socket, fd {pair[0].fileno()})"
    assert target.open() is pair[0]
    with pytest.raises(UnixConnectError, match=r"cannot reconnect to app .*one connection") as exc:
        target.open()
    assert exc.value.errno is None


def test_closing_a_target_closes_a_held_socket_never_used(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    SocketTarget(pair[0]).close()
    assert pair[0].fileno() == -1


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), "is not connected"),
        (lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM), "is SOCK_DGRAM"),
        (lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM), "is AF_INET, not an AF_UNIX"),
    ],
    ids=["unconnected", "datagram", "tcp"],
)
def test_unusable_sockets_are_refused_at_once(make: type[socket.socket], says: str) -> None:
    with make() as sock:
        with pytest.raises(InvalidSocket, match=says):
            SocketTarget(sock, "app")
        with pytest.raises(InvalidSocket, match="socket 'app'"):
            check_held_socket(sock, "app")


def test_a_connect_callable_makes_each_connection(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    made = [pair[0]]
    target = SocketTarget(made.pop, "helper")
    assert target.open() is pair[0]
    assert "connect callable" in target.shown


def test_a_connect_callable_s_error_is_a_connect_error_saying_what_it_said() -> None:
    def refuse() -> socket.socket:
        raise PermissionError(errno.EACCES, "helper says no")

    with pytest.raises(UnixConnectError, match="helper says no") as exc:
        SocketTarget(refuse, "priv").open()
    assert exc.value.errno == errno.EACCES
    assert "priv (connect callable" in str(exc.value)
    assert isinstance(exc.value.__cause__, PermissionError)


def test_a_connect_callable_returning_a_tcp_socket_is_a_connect_error() -> None:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(UnixConnectError, match="not an AF_UNIX socket"):
        SocketTarget(lambda: tcp).open()
    assert tcp.fileno() == -1


def test_names_are_host_names_matched_in_any_case() -> None:
    names = SocketNames({"Docker": "unix:///var/run/docker.sock", "app": "@app"})
    assert list(names) == ["docker", "app"]
    assert names.lookup("DOCKER") is names["docker"]
    assert names.lookup("/var/run/docker.sock") is None
    assert names["app"].address == "\0app"


@pytest.mark.parametrize("bad", ["", "-x", "a/b", "a b", "a%2Fb", "x-", "ü"])
def test_a_name_that_is_not_a_host_name_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a host name"):
        SocketNames({bad: "/run/a.sock"})


def test_a_name_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        SocketNames({"app": "/a.sock", "APP": "/b.sock"})


def test_a_bad_spec_is_refused_naming_it() -> None:
    with pytest.raises(InvalidAddress, match="is a TCP address"):
        SocketNames({"docker": "tcp://127.0.0.1:2375"})


def test_redirects_see_a_name_as_its_socket(pair: tuple[socket.socket, socket.socket]) -> None:
    names = SocketNames({"docker": "/var/run/docker.sock", "app": pair[0], "other": "/o.sock"})
    docker = build_url(b"/var/run/docker.sock")
    assert redirect_refusal("http+unix://docker/a", docker + "b", names) is None
    assert same_socket("http+unix://docker/a", docker, names)
    assert redirect_refusal("http+unix://docker/a", "/b", names) is None
    refusal = redirect_refusal("http+unix://docker/a", "http+unix://other/x", names)
    assert refusal is not None
    assert "'docker (/var/run/docker.sock)' to a different socket 'other (/o.sock)'" in refusal
    assert redirect_refusal("http+unix://app/a", "http+unix://docker/x", names)
    assert redirect_refusal("http+unix://app/a", "http+unix://APP/x", names) is None
    from_tcp = redirect_refusal("http://example.com/", "http+unix://docker/x", names)
    assert from_tcp is not None
    assert "into the UNIX socket 'docker (/var/run/docker.sock)'" in from_tcp


def test_socket_of_is_one_key_per_socket(pair: tuple[socket.socket, socket.socket]) -> None:
    names = SocketNames({"docker": "unix:///var/run/docker.sock", "app": pair[0]})
    assert names.socket_of("DOCKER") == "/var/run/docker.sock"
    assert names.socket_of("/var/run/docker.sock") == "/var/run/docker.sock"
    assert names.socket_of("app") is names["app"]
    assert names.socket_of("other") == "other"
    assert names.socket_of(b"docker") == b"docker"  # bytes are never read as a name
    assert names["docker"].identity == "/var/run/docker.sock"
    assert names["app"].identity is names["app"]


def test_a_held_socket_is_not_handed_over_in_a_forked_child(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    target = SocketTarget(pair[0], "app")

    def open_it() -> str:
        try:
            target.open()
        except UnixConnectError as exc:
            return str(exc)
        return "handed over"

    said = said_in_child(open_it)
    assert said.startswith("cannot use app (a held socket, fd ")
    assert "in a forked child process" in said
    assert target.open() is pair[0]  # the parent's, still


def test_an_attempt_hands_over_a_held_socket_with_its_peer_checked(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    attempt = ConnectAttempt(SocketTarget(pair[0], "app"), 2.5)
    assert attempt.run() is pair[0]
    assert pair[0].gettimeout() == 2.5
    if PEERCRED_SUPPORTED:
        assert attempt.peer_credentials == PeerCredentials(os.getpid(), os.getuid(), os.getgid())


@pytest.mark.skipif(not PEERCRED_SUPPORTED, reason="SO_PEERCRED is read on Linux only")
def test_an_unexpected_peer_of_a_held_socket_is_refused_naming_it(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    target = SocketTarget(pair[0], "app")
    with pytest.raises(UnexpectedPeer, match=r"'app \(a held socket, fd \d+\)': it is served by"):
        ConnectAttempt(target, expected_peer_uid=os.getuid() + 1).run()
    assert pair[0].fileno() == -1
    with pytest.raises(UnixConnectError, match="cannot reconnect to app"):
        ConnectAttempt(target).run()


def test_an_attempt_opens_a_connect_callable_each_time(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    made = [pair[0]]
    target = SocketTarget(made.pop, "helper")
    assert ConnectAttempt(target).run() is pair[0]
    with pytest.raises(UnixConnectError, match=r"cannot connect to helper \(connect callable"):
        ConnectAttempt(target).run()


def test_an_attempt_dials_a_named_address_under_its_name(sockdir: str) -> None:
    target = SocketNames({"docker": f"unix://{sockdir}/missing.sock"})["docker"]
    with pytest.raises(UnixConnectError, match=rf"'docker \({sockdir}/missing.sock\)': no such"):
        ConnectAttempt(target).run()


def test_the_first_name_of_a_socket_is_the_one_shown() -> None:
    names = SocketNames({"docker": "/var/run/docker.sock", "engine": "unix:///var/run/docker.sock"})
    assert names.named("/var/run/docker.sock") is names["docker"]
    assert names.named("/run/other.sock") is None
