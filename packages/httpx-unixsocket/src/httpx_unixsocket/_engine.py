"""The HTTP/1.1 engine for plain (no TLS) requests: keep-alive connections per socket, sync and
async, on the :mod:`._h1` core.

A pool keeps idle connections per socket address and bounds them as ``httpx.Limits`` says
(``max_connections`` open, ``max_keepalive_connections`` idle, ``keepalive_expiry``), waiting at
most the pool timeout for a slot. Connections are dialed by the UNIX backends (the connect
procedure, errors naming the socket, peer credentials), ``retries=`` times more on a connect
error, as httpcore does. An idle connection that turned readable (closed by the server, or
stray bytes) is never reused. A reused connection closed under a request before any byte of
the response (the keep-alive race) gets the request sent once more when it is idempotent with a
replayable body. In a fork's child, the parent's connections are closed (this process's
descriptors only) and forgotten. A held socket is one connection: a request for it waits while
it is in use, the limits never close it, and once it is gone it is never redialed. Errors are
httpcore's exceptions, which the transports map to httpx's.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

import anyio
import httpcore
import httpx

from unixsocket_url import IDEMPOTENT_METHODS, SocketTarget

from ._backend import (
    AsyncUnixBackend,
    AsyncUnixStream,
    Destination,
    SyncUnixBackend,
    SyncUnixStream,
    shown,
)
from ._h1 import DISCONNECTED, BodyFramer, Framing, ResponseParser
from ._peer import PEER_CREDENTIALS

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Iterable

    from unixsocket_url import PeerCredentials

    Timeouts = dict[str, Union[float, None]]

READ_SIZE = 65536
"""What each read asks for (the streams read more while reads come back full)."""
COALESCE = 65536
"""A body piece at most this long goes out in the same write as the request head."""
RACE_ERRORS = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)

_Stream = TypeVar("_Stream", SyncUnixStream, AsyncUnixStream)
Body_co = TypeVar("Body_co", bound="Iterable[bytes] | AsyncIterable[bytes]", covariant=True)


class Outgoing(Generic[Body_co]):
    """A request as the engine sends it: *head* written, then *body* as *framing* says; *close*
    when the request asks for the connection to close after the response."""

    __slots__ = ("body", "close", "framing", "head", "method", "timeouts")

    def __init__(  # noqa: PLR0917 - a record of the request's parts
        self,
        method: str,
        head: bytes,
        body: Body_co,
        framing: Framing,
        close: bool,
        timeouts: Timeouts,
    ) -> None:
        self.method = method
        self.head = head
        self.body: Body_co = body
        self.framing = framing
        self.close = close
        self.timeouts = timeouts


class Connection(Generic[_Stream]):
    """One connection: its stream, its parser, and when it stops being worth reusing."""

    __slots__ = ("address", "expires", "held", "parser", "peer", "pid", "stream")

    def __init__(self, stream: _Stream, address: Destination) -> None:
        self.stream: _Stream = stream
        self.address = address
        self.held = _is_held(address)
        """A held socket's one connection: kept however many are idle, and never expired."""
        self.peer: PeerCredentials | None = stream.get_extra_info(PEER_CREDENTIALS)
        self.parser = ResponseParser(head_only=False)
        self.expires: float | None = None
        self.pid = os.getpid()

    def close_now(self) -> None:
        """Close the socket, without waiting (no TLS here: nothing to say before closing)."""
        sock = self.stream.get_extra_info("socket")
        if sock is not None:
            sock.close()

    def stale(self, now: float) -> bool:
        """Expired, or readable while idle (closed by the server, or sent something stray)."""
        return (self.expires is not None and now >= self.expires) or bool(
            self.stream.get_extra_info("is_readable")
        )

    def extensions(self) -> dict[str, Any]:
        """The response extensions httpx's transports give, and the server's credentials."""
        parser = self.parser
        return {
            "http_version": parser.http_version,
            "reason_phrase": parser.reason,
            "network_stream": self.stream,
            PEER_CREDENTIALS: self.peer,
        }


class _Slots(Generic[_Stream]):
    """The bookkeeping both pools share: idle connections per address, how many are open."""

    def __init__(self, limits: httpx.Limits) -> None:
        self.max_open = limits.max_connections
        self.max_idle = limits.max_keepalive_connections
        self.expiry = limits.keepalive_expiry
        self.idle: dict[Destination, list[Connection[_Stream]]] = {}
        self.idle_count = 0
        self.open = 0
        self.held: set[SocketTarget] = set()
        """The held sockets whose one connection is open: a request for one waits for it."""
        self.closed = False
        """Set when the transport closes: connections released after that are closed."""

    def take(self, address: Destination) -> Connection[_Stream] | bool:
        """An idle connection to *address*, else whether a new one may be opened (counted)."""
        connections = self.idle.get(address)
        now = time.monotonic()
        while connections:
            connection = connections.pop()
            self.idle_count -= 1
            if not connection.stale(now):
                return connection
            self.drop(connection)
        held = address if isinstance(address, SocketTarget) and address.held else None
        if held in self.held:
            return False  # a held socket's one connection is in use: wait for it
        if self.max_open is None or self.open < self.max_open or self._make_room():
            self.open += 1
            if held is not None:
                self.held.add(held)
            return True
        return False

    def _make_room(self) -> bool:
        """Close an idle connection elsewhere (never a held socket's: it cannot be re-made)."""
        for others in self.idle.values():
            for connection in others:
                if not connection.held:
                    others.remove(connection)
                    self.idle_count -= 1
                    self.drop(connection)
                    return True
        return False

    def unopened(self, address: Destination) -> None:
        """A connection counted by :meth:`take` was not made after all."""
        self.open -= 1
        if isinstance(address, SocketTarget):
            self.held.discard(address)

    def put(self, connection: Connection[_Stream]) -> None:
        """Keep *connection* idle for reuse, or close it when enough are idle already."""
        if self.closed or (
            self.max_idle is not None and self.idle_count >= self.max_idle and not connection.held
        ):
            self.drop(connection)
            return
        if self.expiry is not None and not connection.held:
            connection.expires = time.monotonic() + self.expiry
        self.idle.setdefault(connection.address, []).append(connection)
        self.idle_count += 1

    def drop(self, connection: Connection[_Stream]) -> None:
        connection.close_now()
        self.unopened(connection.address)

    def clear(self) -> None:
        """Close the idle connections (those in use are closed when released)."""
        for connections in self.idle.values():
            for connection in connections:
                self.drop(connection)
        self.idle.clear()
        self.idle_count = 0

    def forget(self) -> None:
        """In a fork's child: close the idle connections, forget those in use (the parent's)."""
        self.clear()
        self.open = 0
        self.held.clear()


def _pool_timeout(address: Destination, limits: _Slots[Any]) -> httpcore.PoolTimeout:
    if _is_held(address):
        why = "a held socket is one connection, and another request is using it"
    else:
        why = f"{limits.max_open} connections open, max_connections"
    return httpcore.PoolTimeout(
        f"timed out waiting for a connection to UNIX socket '{shown(address)}' ({why})"
    )


def _resendable(exc: Exception, reused: bool, request: Outgoing[Any]) -> bool:
    """Whether *request* met the keep-alive race on a reused connection and may go again."""
    body = request.body
    return (
        reused
        and (not isinstance(exc, httpcore.RemoteProtocolError) or str(exc) == DISCONNECTED)
        and request.method in IDEMPOTENT_METHODS
        and getattr(body, "replayable", isinstance(body, httpx.ByteStream))
    )


def _named(exc: httpcore.RemoteProtocolError, address: Destination) -> httpcore.RemoteProtocolError:
    """*exc* as raised for the socket at *address* (its message names the socket)."""
    if str(exc) == DISCONNECTED:
        return exc  # httpcore's own words: the keep-alive race is recognised by them
    return httpcore.RemoteProtocolError(f"{exc} (UNIX socket '{shown(address)}')")


def _is_held(address: Destination) -> bool:
    """Whether *address* is a held socket: one connection, which cannot be re-made."""
    return isinstance(address, SocketTarget) and address.held


def _backoff(attempt: int) -> float:
    """httpcore's delay before connect retry *attempt* (1, 2, ...): 0, 0.5, 1, 2 seconds..."""
    return 0.0 if attempt <= 1 else 0.5 * 2 ** (attempt - 2)


# ------------------------------------------------------------------------------------------ sync


_Backend = TypeVar("_Backend", SyncUnixBackend, AsyncUnixBackend)


class _Engine(Generic[_Backend, _Stream]):
    """What both engines hold: the backend that dials, the connect retries, the slots."""

    def __init__(
        self,
        backend: _Backend,
        limits: httpx.Limits,
        retries: int,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> None:
        self._backend: _Backend = backend
        self._retries = retries
        self._socket_options = list(socket_options or ())
        self._slots: _Slots[_Stream] = _Slots(limits)


class SyncEngine(_Engine[SyncUnixBackend, SyncUnixStream]):
    """Sends requests on kept-alive connections to UNIX sockets, from any number of threads."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._changed = threading.Condition(threading.Lock())
        self._pid = os.getpid()

    def send(
        self, address: Destination, request: Outgoing[Iterable[bytes]]
    ) -> Connection[SyncUnixStream]:
        """Send *request*; the connection, its parser holding the response head."""
        connection, reused = self._acquire(address, request.timeouts)
        try:
            _exchange(connection, request)
        except RACE_ERRORS as exc:
            self.discard(connection)
            if not _resendable(exc, reused, request):
                raise
        except BaseException:
            self.discard(connection)
            raise
        else:
            return connection
        connection, _ = self._acquire(address, request.timeouts)
        try:
            _exchange(connection, request)
        except BaseException:
            self.discard(connection)
            raise
        return connection

    def release(self, connection: Connection[SyncUnixStream]) -> None:
        """Done with *connection*: kept for reuse when its response allows, else closed."""
        parser = connection.parser
        if not (parser.complete and parser.keep_alive) or connection.pid != os.getpid():
            self.discard(connection)
            return
        with self._changed:
            self._slots.put(connection)
            self._changed.notify()

    def discard(self, connection: Connection[SyncUnixStream]) -> None:
        if connection.pid != os.getpid():  # the parent's: forgotten at the fork
            connection.close_now()
            return
        with self._changed:
            self._slots.drop(connection)
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            self._slots.closed = True
            self._slots.clear()
            self._changed.notify_all()

    def _acquire(
        self, address: Destination, timeouts: Timeouts
    ) -> tuple[Connection[SyncUnixStream], bool]:
        with self._changed:
            if self._pid != os.getpid():  # a fork's child: the parent's connections are not ours
                self._pid = os.getpid()
                self._slots.forget()
            taken = self._slots.take(address)
            if taken is False:
                timeout = timeouts.get("pool")
                deadline = None if timeout is None else time.monotonic() + timeout
                while taken is False:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise _pool_timeout(address, self._slots)
                    self._changed.wait(left)
                    taken = self._slots.take(address)
        if isinstance(taken, Connection):
            return taken, True
        try:
            return Connection(self._connect(address, timeouts), address), False
        except BaseException:
            with self._changed:
                self._slots.unopened(address)
                self._changed.notify()
            raise

    def _connect(self, address: Destination, timeouts: Timeouts) -> SyncUnixStream:
        attempt = 0
        while True:
            try:
                return self._backend.connect(address, timeouts.get("connect"), self._socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                attempt += 1
                if attempt > self._retries or _is_held(address):
                    raise
                time.sleep(_backoff(attempt))


def _exchange(connection: Connection[SyncUnixStream], request: Outgoing[Iterable[bytes]]) -> None:
    """Write the request, read the response head into the connection's parser."""
    parser = connection.parser
    parser.start(head_only=request.method == "HEAD", close=request.close)
    stream = connection.stream
    timeout = request.timeouts.get("write")
    framer = BodyFramer(request.framing)
    pending = request.head
    try:
        for chunk in request.body:
            data = framer.frame(chunk)
            if pending and len(data) <= COALESCE:
                data = pending + data
            elif pending:
                stream.write(pending, timeout)
            pending = b""
            stream.write(data, timeout)
        stream.write(pending + framer.end(), timeout)
    except httpcore.WriteError:
        pass  # the server may have answered already (413 to an upload): read that answer
    timeout = request.timeouts.get("read")
    while not parser.head:
        receive(connection, timeout)


def receive(connection: Connection[SyncUnixStream], timeout: float | None) -> None:
    """Read once from *connection* into its parser."""
    data = connection.stream.read(READ_SIZE, timeout)
    try:
        connection.parser.feed(data) if data else connection.parser.eof()
    except httpcore.RemoteProtocolError as exc:
        raise _named(exc, connection.address) from exc


# ----------------------------------------------------------------------------------------- async


class AsyncEngine(_Engine[AsyncUnixBackend, AsyncUnixStream]):
    """:class:`SyncEngine` for one event loop (asyncio or trio)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._waiters: list[anyio.Event] = []

    async def send(
        self, address: Destination, request: Outgoing[AsyncIterable[bytes]]
    ) -> Connection[AsyncUnixStream]:
        """Send *request*; the connection, its parser holding the response head."""
        connection, reused = await self._acquire(address, request.timeouts)
        try:
            await _async_exchange(connection, request)
        except RACE_ERRORS as exc:
            self.discard(connection)
            if not _resendable(exc, reused, request):
                raise
        except BaseException:
            self.discard(connection)
            raise
        else:
            return connection
        connection, _ = await self._acquire(address, request.timeouts)
        try:
            await _async_exchange(connection, request)
        except BaseException:
            self.discard(connection)
            raise
        return connection

    def release(self, connection: Connection[AsyncUnixStream]) -> None:
        """Done with *connection*: kept for reuse when its response allows, else closed."""
        parser = connection.parser
        if not (parser.complete and parser.keep_alive):
            self.discard(connection)
            return
        self._slots.put(connection)
        self._wake()

    def discard(self, connection: Connection[AsyncUnixStream]) -> None:
        """Close *connection* now (no await: safe in a cancelled task)."""
        self._slots.drop(connection)
        self._wake()

    def close(self) -> None:
        self._slots.closed = True
        self._slots.clear()
        for waiter in self._waiters:
            waiter.set()

    def _wake(self) -> None:
        if self._waiters:
            self._waiters.pop(0).set()

    async def _acquire(
        self, address: Destination, timeouts: Timeouts
    ) -> tuple[Connection[AsyncUnixStream], bool]:
        taken = self._slots.take(address)
        if taken is False:
            try:
                with anyio.fail_after(timeouts.get("pool")):
                    while taken is False:
                        waiter = anyio.Event()
                        self._waiters.append(waiter)
                        try:
                            await waiter.wait()
                        except BaseException:
                            if waiter in self._waiters:
                                self._waiters.remove(waiter)
                            else:
                                self._wake()  # pass on the turn this task cannot take
                            raise
                        taken = self._slots.take(address)
            except TimeoutError:
                raise _pool_timeout(address, self._slots) from None
        if isinstance(taken, Connection):
            return taken, True
        try:
            return Connection(await self._connect(address, timeouts), address), False
        except BaseException:
            self._slots.unopened(address)
            self._wake()
            raise

    async def _connect(self, address: Destination, timeouts: Timeouts) -> AsyncUnixStream:
        attempt = 0
        while True:
            try:
                return await self._backend.connect(
                    address, timeouts.get("connect"), self._socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                attempt += 1
                if attempt > self._retries or _is_held(address):
                    raise
                await anyio.sleep(_backoff(attempt))


async def _async_exchange(
    connection: Connection[AsyncUnixStream], request: Outgoing[AsyncIterable[bytes]]
) -> None:
    """:func:`_exchange`, waiting on the event loop."""
    parser = connection.parser
    parser.start(head_only=request.method == "HEAD", close=request.close)
    stream = connection.stream
    timeout = request.timeouts.get("write")
    framer = BodyFramer(request.framing)
    pending = request.head
    try:
        async for chunk in request.body:
            data = framer.frame(chunk)
            if pending and len(data) <= COALESCE:
                data = pending + data
            elif pending:
                await stream.write_plain(pending, timeout)
            pending = b""
            await stream.write_plain(data, timeout)
        await stream.write_plain(pending + framer.end(), timeout)
    except httpcore.WriteError:
        pass  # the server may have answered already (413 to an upload): read that answer
    timeout = request.timeouts.get("read")
    while not parser.head:
        await async_receive(connection, timeout)


async def async_receive(connection: Connection[AsyncUnixStream], timeout: float | None) -> None:
    """:func:`receive`, waiting on the event loop."""
    data = await connection.stream.read_plain(timeout)
    try:
        connection.parser.feed(data) if data else connection.parser.eof()
    except httpcore.RemoteProtocolError as exc:
        raise _named(exc, connection.address) from exc
