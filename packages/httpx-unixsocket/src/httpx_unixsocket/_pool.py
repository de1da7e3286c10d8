"""httpcore's connection pools, with the assignment race of httpcore 1.0.9 fixed.

httpcore hands an idle HTTP/1.1 connection to a queued request, but the connection stays idle
until the waiting thread starts its request on it. A concurrent pass of the pool can meanwhile
close it, as surplus keep-alive or to make room at ``max_connections``: the request then fails
with ``EBADF``, or hangs until its read timeout, and a connection beyond the limit is opened
(encode/httpcore#1110, unfixed in 1.0.9). Here a connection that a pending request holds is
never closed by the pool, and surplus keep-alive counts idle connections, not all of them.
"""

from __future__ import annotations

from typing import Any

import httpcore


def assign_requests_to_connections(pool: Any) -> list[Any]:
    """httpcore's assignment pass without closing connections pending requests hold."""
    closing: list[Any] = []
    held = {id(request.connection) for request in pool._requests if request.connection}
    idle = sum(1 for connection in pool._connections if connection.is_idle())
    for connection in list(pool._connections):
        if connection.is_closed():
            pool._connections.remove(connection)
        elif id(connection) in held:
            continue
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


class ConnectionPool(httpcore.ConnectionPool):
    """:class:`httpcore.ConnectionPool` with :func:`assign_requests_to_connections`."""

    def _assign_requests_to_connections(self) -> list[Any]:
        return assign_requests_to_connections(self)


class AsyncConnectionPool(httpcore.AsyncConnectionPool):
    """:class:`httpcore.AsyncConnectionPool` with :func:`assign_requests_to_connections`."""

    def _assign_requests_to_connections(self) -> list[Any]:
        return assign_requests_to_connections(self)
