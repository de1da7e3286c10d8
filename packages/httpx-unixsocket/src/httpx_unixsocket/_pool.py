"""httpcore's connection pools, with the keep-alive race retried once for idempotent requests,
connections inherited through fork() dropped, and (on httpcore 1) the assignment race fixed.

httpcore 1.0.9 hands an idle HTTP/1.1 connection to a queued request, but the connection stays
idle until the waiting thread starts its request on it. A concurrent pass of the pool can
meanwhile close it, as surplus keep-alive or to make room at ``max_connections``: the request
then fails with ``EBADF``, or hangs until its read timeout, and a connection beyond the limit is
opened (encode/httpcore#1110, unfixed in 1.0.9). There a connection that a pending request holds
is never closed by the pool, and surplus keep-alive counts idle connections, not all of them;
a connection whose request was cancelled before it connected is dropped, where 1.0.9 keeps it
for good (a slot of ``max_connections`` lost). httpcore2's pass does all this itself
(``is_connected()`` tells the never-connected ones): there its own pass runs.

A server may close an idle keep-alive connection just as a request is written to it; the
request then ends with "Server disconnected without sending a response", or a read or write
error (the socket was reset). When that happens on a reused connection, before the response
head, an idempotent request with a replayable body is sent once more, as browsers do; other
requests fail as before.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

from unixsocket_url import IDEMPOTENT_METHODS

if TYPE_CHECKING:
    from collections.abc import Callable

_DISCONNECTED = "Server disconnected without sending a response"
RACE_ERRORS = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)
"""What the keep-alive race raises before the response head (``handle_request`` returns once
the head is read, so these never come from the body)."""


UPSTREAM_RESERVES = int(httpcore.__version__.split(".")[0]) >= 2
"""Whether httpcore's own assignment pass leaves the connections pending requests hold alone
(httpcore2 2.x; httpcore 1.0.9 does not)."""


def assign_requests_to_connections(pool: Any, upstream: Callable[[], list[Any]]) -> list[Any]:
    """One assignment pass (*upstream*, httpcore's own, where it reserves held connections;
    else :func:`reserving_pass`), noting which requests got a connection already open."""
    queued = [request for request in pool._requests if request.is_queued()]
    known = set(pool._connections)
    closing = upstream() if UPSTREAM_RESERVES else reserving_pass(pool)
    for pool_request in queued:
        if pool_request.connection in known:
            pool._reused.add(id(pool_request.request))
        elif pool_request.connection is not None:
            pool._reused.discard(id(pool_request.request))
    return closing


def reserving_pass(pool: Any) -> list[Any]:
    """httpcore 1.0.9's assignment pass without closing connections pending requests hold, and
    dropping a connection whose request went away before it connected (as httpcore2 does)."""
    closing: list[Any] = []
    held = {id(request.connection) for request in pool._requests if request.connection}
    idle = sum(1 for connection in pool._connections if connection.is_idle())
    for connection in list(pool._connections):
        if connection.is_closed():
            pool._connections.remove(connection)
        elif id(connection) in held:
            continue
        elif connection._connection is None:  # never connected: nothing to close
            pool._connections.remove(connection)
        elif connection.has_expired() or (
            connection.is_idle() and idle > pool._max_keepalive_connections
        ):
            idle -= connection.is_idle()
            pool._connections.remove(connection)
            closing.append(connection)
    for pool_request in [request for request in pool._requests if request.is_queued()]:
        origin = pool_request.request.url.origin
        available = [
            connection
            for connection in pool._connections
            if connection.can_handle_request(origin) and connection.is_available()
        ]
        if available:
            pool_request.assign_to_connection(available[0])
            held.add(id(available[0]))
            continue
        if len(pool._connections) >= pool._max_connections:
            spare = [c for c in pool._connections if c.is_idle() and id(c) not in held]
            if not spare:
                continue  # stays queued until a connection is released
            pool._connections.remove(spare[0])
            closing.append(spare[0])
        connection = pool.create_connection(origin)
        pool._connections.append(connection)
        pool_request.assign_to_connection(connection)
        held.add(id(connection))
    return closing


def resendable(pool: Any, request: httpcore.Request, exc: Exception) -> bool:
    """Whether *request* met the keep-alive race on a reused connection and may go again."""
    return (
        (not isinstance(exc, httpcore.RemoteProtocolError) or str(exc).startswith(_DISCONNECTED))
        and id(request) in pool._reused
        and request.method.decode("ascii") in IDEMPOTENT_METHODS
        and getattr(request.stream, "replayable", isinstance(request.stream, httpx.ByteStream))
    )


def forget_inherited(pool: Any) -> None:
    """In a fork's child, close the parent's connections (this process's descriptors only:
    no TLS close, no shutdown, so the parent's connections go on working) and drop them."""
    if pool._pid == os.getpid():
        return
    pool._pid = os.getpid()
    for connection in pool._connections:
        stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            sock.close()
    pool._connections = []


class ConnectionPool(httpcore.ConnectionPool):
    """:class:`httpcore.ConnectionPool` with :func:`assign_requests_to_connections`, the
    keep-alive race retried (:func:`resendable`) and fork safety (:func:`forget_inherited`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reused: set[int] = set()
        self._pid = os.getpid()

    def _assign_requests_to_connections(self) -> list[Any]:
        return assign_requests_to_connections(self, super()._assign_requests_to_connections)

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        forget_inherited(self)
        try:
            try:
                return super().handle_request(request)
            except RACE_ERRORS as exc:
                if not resendable(self, request, exc):
                    raise
            return super().handle_request(request)
        finally:
            self._reused.discard(id(request))


class AsyncConnectionPool(httpcore.AsyncConnectionPool):
    """:class:`ConnectionPool` for async code (fork safety aside: an event loop does not
    survive fork())."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reused: set[int] = set()

    def _assign_requests_to_connections(self) -> list[Any]:
        return assign_requests_to_connections(self, super()._assign_requests_to_connections)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        try:
            try:
                return await super().handle_async_request(request)
            except RACE_ERRORS as exc:
                if not resendable(self, request, exc):
                    raise
            return await super().handle_async_request(request)
        finally:
            self._reused.discard(id(request))
