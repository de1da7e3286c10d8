"""SO_PEERCRED against an in-process server: every flavor reports this process's pid, uid, gid,
and refuses a socket served by another uid than the one expected, before sending a byte."""

from __future__ import annotations

import errno
import gc
import os
import pickle
import shutil
import socket
import tempfile
from collections.abc import Iterator

import pytest
import requests
import urllib3
from support.descriptors import open_files, opened_since
from support.flavors import DENIED, Flavor
from support.httpx_flavor import httpx, httpx_unixsocket

import requests_unixsocket
import unixsocket_url
import urllib3_unixsocket
from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import ConnectAttempt, PeerCredentials, UnexpectedPeer, UnixConnectError

from .conftest import unexpected_peer

OURS = PeerCredentials(pid=os.getpid(), uid=os.getuid(), gid=os.getgid())
NOT_OURS = os.getuid() + 1
LIBRARY_ERROR = {
    "urllib3": urllib3.exceptions.HTTPError,
    "requests": requests.ConnectionError,
    "httpx": httpx.ConnectError,
}
"""The exception each library's users catch, which each flavor's SocketAccessDenied is."""


@pytest.fixture
def fresh() -> Iterator[UnixSocketServerThread]:
    """A server of the test's own: connection counts see no other test's clients."""
    with UnixSocketServerThread() as server:
        yield server


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A listening socket that never accepts by itself: see :func:`drain`."""
    directory = tempfile.mkdtemp(prefix="peer-", dir="/tmp")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.bind(os.path.join(directory, "s.sock"))
            sock.listen(16)
            yield sock
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def drain(listener: socket.socket) -> list[bytes]:
    """What each connection waiting in *listener*'s backlog sent before the client closed it.

    Connecting completes without accept(), so the backlog holds every attempt the client made.
    """
    received: list[bytes] = []
    listener.setblocking(False)
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return received
        with conn:
            conn.settimeout(5)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            received.append(data)


def url(listener: socket.socket, path: str = "/") -> str:
    return unixsocket_url.build_url(listener.getsockname(), path)


# -------------------------------------------------------------------------- unixsocket_url


def test_peer_credentials_of_a_socketpair_are_ours() -> None:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        assert unixsocket_url.peer_credentials(left) == OURS


def test_peer_credentials_are_frozen() -> None:
    with pytest.raises(AttributeError):
        OURS.uid = 0  # type: ignore[misc]


def test_connect_attempt_records_the_credentials(fresh: UnixSocketServerThread) -> None:
    with ConnectAttempt(fresh.address, 5, expected_peer_uid=os.getuid()) as attempt:
        before = attempt.peer_credentials
        while attempt.step() is not None:
            pass
        attempt.detach().close()
    assert (before, attempt.peer_credentials) == (None, OURS)


def test_connect_refuses_another_user_and_closes_the_socket(listener: socket.socket) -> None:
    path = listener.getsockname()
    gc.collect()
    before = open_files()
    with pytest.raises(UnexpectedPeer) as info:
        unixsocket_url.connect(path, 5, expected_peer_uid=NOT_OURS)
    assert not opened_since(before)
    exc = info.value
    assert str(exc) == (
        f"cannot connect to UNIX socket '{path}': it is served by uid {os.getuid()} "
        f"(pid {os.getpid()}), not by the expected uid {NOT_OURS}; nothing was sent"
    )
    assert (exc.address, exc.errno, exc.expected_uid, exc.peer) == (path, None, NOT_OURS, OURS)
    assert isinstance(exc, UnixConnectError)
    assert not exc.retryable
    assert drain(listener) == [b""]


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        (errno.EACCES, False),
        (errno.EPERM, False),
        (errno.ENOENT, True),
        (errno.ECONNREFUSED, True),
        (None, True),
    ],
)
def test_only_permission_errors_are_not_retryable(code: int | None, retryable: bool) -> None:
    assert UnixConnectError("/x.sock", code, "message").retryable is retryable


# ---------------------------------------------------------------------------- every flavor


def test_responses_carry_the_credentials(flavor: Flavor, fresh: UnixSocketServerThread) -> None:
    with flavor.client(expected_peer_uid=os.getuid()) as client:
        first = client.request("GET", fresh.url_for("/a"))
        with client.stream(fresh.url_for("/b")) as streamed:
            assert streamed(12) == b"Hello world!"
            assert streamed.peer == OURS
    assert first.peer == OURS
    assert fresh.accepted_connections == 1  # the second came over the same connection


def test_refuses_another_user_once_and_sends_nothing(
    flavor: Flavor, listener: socket.socket
) -> None:
    path = listener.getsockname()
    with (
        flavor.client(expected_peer_uid=NOT_OURS, **flavor.retry_kw(3)) as client,
        flavor.raises(DENIED) as raised,
    ):
        client.request("POST", url(listener, "/x"), body=b"token")
    assert raised.message == (
        f"cannot connect to UNIX socket '{path}': it is served by uid {os.getuid()} "
        f"(pid {os.getpid()}), not by the expected uid {NOT_OURS}; nothing was sent"
    )
    assert isinstance(raised.error, LIBRARY_ERROR[flavor.name.partition("-")[0]])
    cause = unexpected_peer(raised.error)
    assert (cause.address, cause.expected_uid, cause.peer) == (path, NOT_OURS, OURS)
    if isinstance(raised.error, urllib3_unixsocket.SocketAccessDenied):
        assert raised.error.address == path
    if isinstance(raised.error, requests.RequestException):
        assert raised.error.request is not None  # as on requests' own errors
    assert drain(listener) == [b""]  # one connection, not a byte on it


# ------------------------------------------------------------------ one library's API each


def test_urllib3_pools_keep_the_expectation(listener: socket.socket) -> None:
    with urllib3_unixsocket.UnixPoolManager(expected_peer_uid=NOT_OURS) as pm:
        assert pm.expected_peer_uid == NOT_OURS
        pool = pm.connection_from_url(url(listener))
        assert getattr(pool, "expected_peer_uid", None) == NOT_OURS


def test_urllib3_response_from_elsewhere_has_no_credentials() -> None:
    assert urllib3_unixsocket.peer_credentials(urllib3.HTTPResponse(body=b"")) is None


def test_requests_adapter_keeps_the_expectation_through_pickle() -> None:
    adapter = requests_unixsocket.UnixAdapter(expected_peer_uid=NOT_OURS)
    copy = pickle.loads(pickle.dumps(adapter))
    assert copy.expected_peer_uid == NOT_OURS
    assert copy.poolmanager.expected_peer_uid == NOT_OURS
    adapter.close()
    copy.close()


def test_requests_response_from_elsewhere_has_no_credentials() -> None:
    assert requests_unixsocket.peer_credentials(requests.Response()) is None


def test_httpx_response_extension_holds_the_credentials(fresh: UnixSocketServerThread) -> None:
    with httpx_unixsocket.Client(expected_peer_uid=os.getuid()) as client:
        response = client.get(fresh.url_for("/"))
    assert response.extensions["peer_credentials"] == OURS


def test_httpx_response_from_elsewhere_has_no_credentials() -> None:
    assert httpx_unixsocket.peer_credentials(httpx.Response(200)) is None
