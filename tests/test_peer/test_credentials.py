"""SO_PEERCRED against an in-process server: every flavor reports this process's pid, uid, gid."""

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
from support.httpx_flavor import httpx, httpx_unixsocket
from urllib3.util.retry import Retry

import requests_unixsocket
import unixsocket_url
import urllib3_unixsocket
from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import ConnectAttempt, PeerCredentials, UnexpectedPeer, UnixConnectError

OURS = PeerCredentials(pid=os.getpid(), uid=os.getuid(), gid=os.getgid())
NOT_OURS = os.getuid() + 1


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


# -------------------------------------------------------------------------------- urllib3


def test_urllib3_responses_carry_the_credentials(fresh: UnixSocketServerThread) -> None:
    with urllib3_unixsocket.UnixPoolManager(expected_peer_uid=os.getuid()) as pm:
        first = pm.request("GET", fresh.url_for("/a"))
        second = pm.request("GET", fresh.url_for("/b"), preload_content=False)
        assert second.data == b"Hello world!"
        second.release_conn()
    assert fresh.accepted_connections == 1  # the second came over the same connection
    assert urllib3_unixsocket.peer_credentials(first) == OURS
    assert urllib3_unixsocket.peer_credentials(second) == OURS


def test_urllib3_refuses_another_user_once_and_sends_nothing(listener: socket.socket) -> None:
    with urllib3_unixsocket.UnixPoolManager(expected_peer_uid=NOT_OURS) as pm:
        assert pm.expected_peer_uid == NOT_OURS
        pool = pm.connection_from_url(url(listener))
        assert getattr(pool, "expected_peer_uid", None) == NOT_OURS
        with pytest.raises(urllib3_unixsocket.SocketAccessDenied) as info:
            pm.request("POST", url(listener, "/x"), body=b"token", retries=Retry(connect=3))
    assert info.value.address == listener.getsockname()
    assert isinstance(info.value.__cause__, UnexpectedPeer)
    assert f"served by uid {os.getuid()}" in str(info.value)
    assert drain(listener) == [b""]  # one connection, not a byte on it


def test_urllib3_response_from_elsewhere_has_no_credentials() -> None:
    assert urllib3_unixsocket.peer_credentials(urllib3.HTTPResponse(body=b"")) is None


# ------------------------------------------------------------------------------- requests


def test_requests_session_responses_carry_the_credentials(fresh: UnixSocketServerThread) -> None:
    with requests_unixsocket.Session(expected_peer_uid=os.getuid()) as session:
        response = session.get(fresh.url_for("/"))
        streamed = session.get(fresh.url_for("/"), stream=True)
        with streamed:
            assert requests_unixsocket.peer_credentials(streamed) == OURS
    assert requests_unixsocket.peer_credentials(response) == OURS


def test_requests_adapter_refuses_another_user_once_and_sends_nothing(
    listener: socket.socket,
) -> None:
    with requests.Session() as session:
        adapter = requests_unixsocket.UnixAdapter(
            expected_peer_uid=NOT_OURS, max_retries=Retry(connect=3)
        )
        session.mount("http+unix://", adapter)
        with pytest.raises(requests_unixsocket.SocketAccessDenied) as info:
            session.post(url(listener), data=b"token")
    assert isinstance(info.value, requests.ConnectionError)
    assert info.value.request is not None
    assert f"not by the expected uid {NOT_OURS}" in str(info.value)
    assert drain(listener) == [b""]


def test_requests_adapter_keeps_the_expectation_through_pickle() -> None:
    adapter = requests_unixsocket.UnixAdapter(expected_peer_uid=NOT_OURS)
    copy = pickle.loads(pickle.dumps(adapter))
    assert copy.expected_peer_uid == NOT_OURS
    assert copy.poolmanager.expected_peer_uid == NOT_OURS
    adapter.close()
    copy.close()


def test_requests_response_from_elsewhere_has_no_credentials() -> None:
    assert requests_unixsocket.peer_credentials(requests.Response()) is None


# ---------------------------------------------------------------------------------- httpx


def test_httpx_client_responses_carry_the_credentials(fresh: UnixSocketServerThread) -> None:
    with httpx_unixsocket.Client(expected_peer_uid=os.getuid()) as client:
        response = client.get(fresh.url_for("/"))
    assert httpx_unixsocket.peer_credentials(response) == OURS
    assert response.extensions["peer_credentials"] == OURS


def test_httpx_transport_refuses_another_user_once_and_sends_nothing(
    listener: socket.socket,
) -> None:
    transport = httpx_unixsocket.UnixTransport(retries=3, expected_peer_uid=NOT_OURS)
    client = httpx_unixsocket.Client(mounts={"http+unix://": transport})
    with client, pytest.raises(httpx_unixsocket.SocketAccessDenied) as info:
        client.post(url(listener), content=b"token")
    assert isinstance(info.value, httpx.ConnectError)
    assert isinstance(info.value.__cause__, UnexpectedPeer)
    assert drain(listener) == [b""]


@pytest.mark.anyio
async def test_httpx_async_client_responses_carry_the_credentials(
    fresh: UnixSocketServerThread,
) -> None:
    async with httpx_unixsocket.AsyncClient(expected_peer_uid=os.getuid()) as client:
        response = await client.get(fresh.url_for("/"))
    assert httpx_unixsocket.peer_credentials(response) == OURS


@pytest.mark.anyio
async def test_httpx_async_transport_refuses_another_user_once_and_sends_nothing(
    listener: socket.socket,
) -> None:
    transport = httpx_unixsocket.AsyncUnixTransport(retries=3, expected_peer_uid=NOT_OURS)
    async with httpx_unixsocket.AsyncClient(mounts={"http+unix://": transport}) as client:
        with pytest.raises(httpx_unixsocket.SocketAccessDenied):
            await client.post(url(listener), content=b"token")
    assert drain(listener) == [b""]


def test_httpx_response_from_elsewhere_has_no_credentials() -> None:
    assert httpx_unixsocket.peer_credentials(httpx.Response(200)) is None
