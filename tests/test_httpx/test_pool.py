"""The pool never closes a connection that a queued request already holds (httpcore#1110):
httpcore2's own pass does not either; httpcore 1.0.9's does, and ours replaces it there."""

from __future__ import annotations

import pytest
from support.httpx_flavor import Client, PoolRequest, _backend, _pool, httpcore, httpx
from support.threads import in_threads

from unixsocket_testutils import UnixSocketServerThread


def _url(server: UnixSocketServerThread) -> httpcore.URL:
    return httpcore.URL(scheme=b"http", host=origin_host(server.address), port=None, target=b"/")


ConnectionPool = _pool.ConnectionPool
SyncUnixBackend = _backend.SyncUnixBackend
origin_host = _backend.origin_host


@pytest.mark.parametrize("pool_class", [ConnectionPool, httpcore.ConnectionPool])
def test_assignment_keeps_a_held_idle_connection(pool_class: type[httpcore.ConnectionPool]) -> None:
    with (
        UnixSocketServerThread() as first,
        UnixSocketServerThread() as second,
        pool_class(max_connections=1, network_backend=SyncUnixBackend()) as pool,
    ):
        pool.request("GET", _url(first))  # leaves one idle connection to `first`
        (connection,) = pool.connections
        held = PoolRequest(httpcore.Request("GET", _url(first)))
        held.assign_to_connection(connection)  # handed over; its thread has not started yet
        queued = PoolRequest(httpcore.Request("GET", _url(second)))
        pool._requests.extend([held, queued])
        closing = pool._assign_requests_to_connections()
        pool._requests.clear()
        for closed in closing:  # the pool leaves closing to its caller
            closed.close()
        if pool_class is httpcore.ConnectionPool and not _pool.UPSTREAM_RESERVES:
            # httpcore 1.0.9 closes the held connection to make room: the upstream bug
            # reserving_pass works around. When this fails, httpcore is fixed there too.
            assert closing == [connection]
            return
        assert closing == []
        assert pool.connections == [connection]
        assert queued.is_queued()  # it waits for the connection to be released


@pytest.mark.parametrize("pool_class", [ConnectionPool, httpcore.ConnectionPool])
def test_a_connection_its_request_left_before_connecting_is_dropped(
    pool_class: type[httpcore.ConnectionPool],
) -> None:
    with (
        UnixSocketServerThread() as server,
        pool_class(max_connections=1, network_backend=SyncUnixBackend()) as pool,
    ):
        left = PoolRequest(httpcore.Request("GET", _url(server)))
        pool._requests.append(left)
        assert pool._assign_requests_to_connections() == []
        (connection,) = pool.connections  # a new connection, not connected yet
        pool._requests.clear()  # its request went away (cancelled) before connecting
        closing = pool._assign_requests_to_connections()
        if pool_class is httpcore.ConnectionPool and not _pool.UPSTREAM_RESERVES:
            # httpcore 1.0.9 keeps it for good: the pool's only slot, never to be used
            assert pool.connections == [connection]
            return
        assert closing == []  # nothing to close: it never connected (httpcore2: is_connected())
        assert pool.connections == []
        assert pool.request("GET", _url(server)).status == 200  # the slot is free again
    assert server.accepted_connections == 1


def _contend(client: Client, server: UnixSocketServerThread) -> list[BaseException]:
    """Four threads, five requests each, through *client*; the exceptions they met."""

    def work(index: int) -> None:
        for n in range(5):
            client.get(server.url_for(f"/t{index}/{n}")).raise_for_status()

    return in_threads(4, work)


def test_threads_contending_for_two_connections_never_exceed_them() -> None:
    # httpcore's own pool breaks this in about one run in ten (EBADF, a read timeout, a third
    # connection); fifty runs make a regression all but certain to show.
    for _ in range(50):
        with UnixSocketServerThread() as server:
            with Client(limits=httpx.Limits(max_connections=2)) as client:
                errors = _contend(client, server)
            assert errors == []
            assert len(server.requests) == 20
            assert server.accepted_connections <= 2
