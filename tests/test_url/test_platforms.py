"""What differs by platform, tested here on Linux with the platform's facts injected."""

from __future__ import annotations

import errno
import os
import socket
import sys

import pytest

import unixsocket_url
from unixsocket_url import (
    ConnectAttempt,
    SocketTarget,
    UnixConnectError,
    build_url,
    connect,
    parse_url,
)


def test_a_name_is_shown_beside_its_socket(sockdir: str) -> None:
    path = os.path.join(sockdir, "docker.sock")
    with pytest.raises(UnixConnectError) as info:
        connect(SocketTarget(os.fsencode(path), "docker"), timeout=1)
    assert str(info.value).startswith(f"cannot connect to UNIX socket 'docker ({path})': ")
    assert info.value.address == path


def test_without_af_unix_using_a_socket_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows: CPython has no AF_UNIX. Importing and building URLs works; dialing says why."""
    monkeypatch.delattr(socket, "AF_UNIX")
    monkeypatch.setattr(sys, "platform", "win32")
    assert parse_url(build_url("/run/app.sock")).address == "/run/app.sock"
    with pytest.raises(UnixConnectError, match="CPython on win32 has no AF_UNIX sockets") as info:
        ConnectAttempt("/run/app.sock")
    assert info.value.errno is None
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
        pytest.raises(unixsocket_url.InvalidSocket, match="not an AF_UNIX socket"),
    ):
        unixsocket_url.check_held_socket(tcp)


@pytest.mark.parametrize("platform", ["darwin", "freebsd14"])
def test_a_path_over_104_bytes_elsewhere_is_refused_before_dialing(
    platform: str, sockdir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """macOS and the BSDs take at most 104 bytes, and have no directory-descriptor detour."""
    path = os.path.join(sockdir, "x" * (105 - len(sockdir) - 1))
    assert len(path) == 105
    monkeypatch.setattr(sys, "platform", platform)
    with pytest.raises(UnixConnectError) as info:
        connect(path)
    assert info.value.errno == errno.ENAMETOOLONG
    assert f"the path is 105 bytes; {platform} takes at most 104" in str(info.value)


def test_a_path_of_104_bytes_elsewhere_is_dialed(
    sockdir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = os.path.join(sockdir, "x" * (104 - len(sockdir) - 1))
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(UnixConnectError, match="no such file or directory") as info:
        connect(path)
    assert info.value.errno == errno.ENOENT


def test_abstract_names_elsewhere_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(socket.socket, "connect", _fails_like_macos)
    with pytest.raises(UnixConnectError, match="abstract socket names exist only on Linux"):
        connect("\0not-on-macos")


def _fails_like_macos(self: socket.socket, address: object) -> None:
    raise FileNotFoundError(errno.ENOENT, "No such file or directory")


def test_peer_credentials_elsewhere_are_not_implemented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """macOS and the BSDs have LOCAL_PEERCRED / getpeereid; this package reads SO_PEERCRED."""
    monkeypatch.setattr(unixsocket_url._peer, "SUPPORTED", False)
    monkeypatch.setattr(unixsocket_url._connect, "PEERCRED_SUPPORTED", False)
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(NotImplementedError, match="expected_peer_uid needs SO_PEERCRED"):
        ConnectAttempt("/run/app.sock", expected_peer_uid=0)
    a, b = socket.socketpair()
    with a, b, pytest.raises(NotImplementedError, match="not on darwin"):
        unixsocket_url.peer_credentials(a)
