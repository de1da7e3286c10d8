"""httpcore network backends that dial UNIX sockets instead of TCP hosts.

httpcore keys its connection pool by origin (scheme, host, port). The transports put an opaque
token in the host, the hex of the socket address, so each socket gets its own keep-alive
connections inside one pool; the backend turns the token back into the address and dials it
through :class:`unixsocket_url.ConnectAttempt` (long paths, abstract names, a full listen backlog
retried with a bounded back-off, errors naming the socket, nothing left open on failure).

A held socket or a connect callable (:class:`unixsocket_url.SocketTarget`) has an origin host
of its own, registered with the backend, which opens the target instead of dialing.

Each stream answers ``get_extra_info("peer_credentials")`` with the server's
:class:`~unixsocket_url.PeerCredentials`. A connect error that retrying cannot help (permission
denied, a server run by an unexpected user) is raised as the :class:`UnixConnectError` itself,
not as ``httpcore.ConnectError``, so httpcore's connect retries (``retries=``) skip it; the
transports map it to ``httpx_unixsocket.SocketAccessDenied``.
"""

from __future__ import annotations

import contextlib
import errno
import select
import socket
import ssl
import time
from typing import TYPE_CHECKING, Any, Union

import anyio
import anyio.abc
import anyio.lowlevel
import anyio.to_thread
import httpcore
from anyio.streams.tls import TLSAttribute, TLSStream

from unixsocket_url import (
    ConnectAttempt,
    PeerCredentials,
    SocketAddress,
    SocketNames,
    SocketTarget,
    UnixConnectError,
    UnixConnectTimeout,
    describe_address,
    normalize_address,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

Destination = Union[SocketAddress, SocketTarget]
"""Where a connection goes, one value per socket (the pools' key): the address of a socket to
dial (a registered name with an address included), or the :class:`SocketTarget` of a held
socket or a connect callable."""

ORIGIN_SUFFIX = ".unix-socket.invalid"
"""Ends every origin host that stands for a socket; ``.invalid`` can never resolve (RFC 2606)."""


def origin_host(destination: Destination) -> bytes:
    """The httpcore origin host standing for *destination*: the hex of an address's bytes, or
    the identity of a target (registered with the backend), then a suffix."""
    if isinstance(destination, SocketTarget):
        return b"target-%x%s" % (id(destination), ORIGIN_SUFFIX.encode("ascii"))
    raw = (
        destination.encode("utf-8", "surrogateescape")
        if isinstance(destination, str)
        else destination
    )
    return raw.hex().encode("ascii") + ORIGIN_SUFFIX.encode("ascii")


def address_of(host: str) -> SocketAddress:
    """The socket address an origin host made by :func:`origin_host` stands for."""
    if not host.endswith(ORIGIN_SUFFIX):
        raise httpcore.ConnectError(
            f"{host!r} is not a UNIX socket origin (the unix network backend dials only those)"
        )
    return normalize_address(bytes.fromhex(host[: -len(ORIGIN_SUFFIX)]))


def shown(destination: Destination) -> str:
    """*destination* for messages: ``/run/app.sock``, ``app (a held socket, fd 5)``."""
    if isinstance(destination, SocketTarget):
        return destination.shown
    return describe_address(destination)


class _Sockets:
    """What both backends know of the sockets a transport was given: the targets that are not
    addresses, by origin host; the registered names of addresses (shown in connect errors);
    the server's expected user."""

    def __init__(
        self,
        *,
        expected_peer_uid: int | None = None,
        targets: Iterable[SocketTarget] = (),
        names: SocketNames | None = None,
    ) -> None:
        self.expected_peer_uid = expected_peer_uid
        self._targets = {
            origin_host(target).decode("ascii"): target
            for target in targets
            if target.address is None
        }
        self._names = names
        self._registered = sorted(names or ())

    def destination(self, host: str) -> Destination:
        """The destination an origin host made by :func:`origin_host` stands for."""
        return self._targets.get(host) or address_of(host)

    def _attempt(self, destination: Destination, timeout: float | None) -> ConnectAttempt:
        """The connect procedure for *destination*: an address dialed under its registered
        name, or a held socket or connect callable opened; the peer checked either way."""
        named = (
            self._names.named(destination)
            if self._names is not None and not isinstance(destination, SocketTarget)
            else None
        )
        return ConnectAttempt(
            named or destination, timeout, expected_peer_uid=self.expected_peer_uid
        )

    @contextlib.contextmanager
    def _connect_errors(self, destination: Destination) -> Iterator[None]:
        """The connect procedure's errors as httpcore's, those retrying cannot help (permission
        denied, an unexpected server) as they are, so httpcore's ``retries=`` skip them. A
        missing relative socket spelt like a name says which names are registered."""
        try:
            yield
        except UnixConnectTimeout as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except UnixConnectError as exc:
            if not exc.retryable:
                raise
            message = str(exc)
            if exc.errno == errno.ENOENT and self._registered and _name_like(destination):
                names = ", ".join(self._registered)
                message += f"; nor is it a registered socket name ({names})"
            raise httpcore.ConnectError(message) from exc


def _name_like(destination: Destination) -> bool:
    """Whether *destination* could be a mistyped socket name: a relative path of one part."""
    return isinstance(destination, str) and "/" not in destination


def _is_readable(sock: socket.socket) -> bool:
    """True when a read would not block: data, EOF or an error (a dropped idle connection)."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


MAX_READ = 1 << 19
"""The largest read: httpcore asks for 64 KiB at a time; a stream whose reads come back full
(a large body) doubles its read size up to this, so a download needs 8 times fewer calls.
Not more: a read allocates what it asks before the kernel fills, and larger asks left the
allocator trimming and re-faulting pages (docs/benchmarks.md, "Where the time goes")."""


class _ReadSize:
    """How much to read next: what httpcore asks, more while reads come back full."""

    __slots__ = ("size",)

    def __init__(self) -> None:
        self.size = 0

    def next(self, max_bytes: int) -> int:
        return max(max_bytes, self.size)

    def update(self, asked: int, got: int, max_bytes: int) -> None:
        if got >= asked:
            self.size = min(asked * 2, MAX_READ)
        elif got < max_bytes:
            self.size = 0


def _extra_info(
    info: str, sock: socket.socket, destination: Destination, peer: PeerCredentials | None
) -> Any:
    """``get_extra_info`` of both streams, ``ssl_object`` aside."""
    if info == "socket":
        return sock
    if info == "is_readable":
        return _is_readable(sock)
    if info == "server_addr":
        return sock.getpeername() if isinstance(destination, SocketTarget) else destination
    if info == "client_addr":
        return sock.getsockname()
    if info == "peer_credentials":
        return peer
    return None


def _apply_options(
    sock: socket.socket, socket_options: Iterable[httpcore.SOCKET_OPTION] | None
) -> None:
    for option in socket_options or ():
        sock.setsockopt(*option)


# ------------------------------------------------------------------------------------------ sync


class SyncUnixStream(httpcore.NetworkStream):
    """A connected (blocking) UNIX socket, or the TLS socket wrapped around it."""

    def __init__(
        self, sock: socket.socket, address: Destination, peer: PeerCredentials | None
    ) -> None:
        self._sock = sock
        self._address = address
        self._peer = peer
        self._read_size = _ReadSize()

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self._sock.settimeout(timeout)
            asked = self._read_size.next(max_bytes)
            data = self._sock.recv(asked)
            self._read_size.update(asked, len(data), max_bytes)
            return data
        except socket.timeout as exc:
            raise httpcore.ReadTimeout(_io_message("reading from", self._address, exc)) from exc
        except OSError as exc:
            raise httpcore.ReadError(_io_message("reading from", self._address, exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        try:
            while view:
                self._sock.settimeout(timeout)
                sent = self._sock.send(view)
                view = view[sent:]
        except socket.timeout as exc:
            raise httpcore.WriteTimeout(_io_message("writing to", self._address, exc)) from exc
        except OSError as exc:
            raise httpcore.WriteError(_io_message("writing to", self._address, exc)) from exc

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            self._sock.settimeout(timeout)
            tls = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except socket.timeout as exc:
            self.close()
            raise httpcore.ConnectTimeout(_tls_message(self._address, exc)) from exc
        except OSError as exc:  # ssl.SSLError included
            self.close()
            raise httpcore.ConnectError(_tls_message(self._address, exc)) from exc
        return SyncUnixStream(tls, self._address, self._peer)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            # what httpcore's own sync stream returns: the SSLObject inside the SSLSocket
            return getattr(self._sock, "_sslobj", None)
        return _extra_info(info, self._sock, self._address, self._peer)


class SyncUnixBackend(_Sockets, httpcore.NetworkBackend):
    """Dials the socket an origin host stands for; ``time.sleep`` between backlog retries.

    *expected_peer_uid* refuses a socket served by another user (:class:`ConnectAttempt`);
    *targets* are the sockets the transport was given (held sockets, connect callables, names);
    *names* its registered names, shown beside their sockets in connect errors.
    """

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        return self.connect(self.destination(host), timeout, socket_options)

    def connect(
        self,
        destination: Destination,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> SyncUnixStream:
        """A connected stream to *destination*: dialed, or from its target (a held socket
        handed over, a connect callable called; *timeout* does not bound the callable)."""
        with self._connect_errors(destination), self._attempt(destination, timeout) as attempt:
            sock = attempt.run()
        try:
            sock.setblocking(True)
            _apply_options(sock, socket_options)
        except BaseException:
            sock.close()
            raise
        return SyncUnixStream(sock, destination, attempt.peer_credentials)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        return self.connect_tcp(origin_host(path).decode("ascii"), 0, timeout, None, socket_options)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# ----------------------------------------------------------------------------------------- async


class _SocketByteStream(anyio.abc.ByteStream):
    """An anyio byte stream over a connected non-blocking socket, for asyncio and trio alike.

    anyio has no public way (before 4.10) to adopt a socket that is already connected, so this
    waits with :func:`anyio.wait_readable` / :func:`anyio.wait_writable`; TLS goes on top with
    anyio's public :class:`~anyio.streams.tls.TLSStream`.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._read_size = _ReadSize()

    async def receive(self, max_bytes: int = 65536) -> bytes:
        await anyio.lowlevel.checkpoint()
        while True:
            asked = self._read_size.next(max_bytes)
            try:
                data = self._sock.recv(asked)
            except BlockingIOError:
                await anyio.wait_readable(self._sock)
                continue
            except OSError as exc:
                if self._sock.fileno() < 0:
                    raise anyio.ClosedResourceError from exc
                raise anyio.BrokenResourceError from exc
            if not data:
                raise anyio.EndOfStream
            self._read_size.update(asked, len(data), max_bytes)
            return data

    async def send(self, item: bytes) -> None:
        await anyio.lowlevel.checkpoint()
        view = memoryview(item)
        while view:
            try:
                sent = self._sock.send(view)
            except BlockingIOError:
                await anyio.wait_writable(self._sock)
                continue
            except OSError as exc:
                if self._sock.fileno() < 0:
                    raise anyio.ClosedResourceError from exc
                raise anyio.BrokenResourceError from exc
            view = view[sent:]

    async def send_eof(self) -> None:
        self._sock.shutdown(socket.SHUT_WR)

    async def aclose(self) -> None:
        if self._sock.fileno() >= 0:
            anyio.notify_closing(self._sock)
        self._sock.close()
        await anyio.lowlevel.checkpoint()


_READ_ERRORS = (anyio.BrokenResourceError, anyio.ClosedResourceError, ssl.SSLError, OSError)


class AsyncUnixStream(httpcore.AsyncNetworkStream):
    """httpcore's view of an anyio byte stream on a UNIX socket (TLS or not)."""

    def __init__(
        self,
        stream: anyio.abc.ByteStream,
        sock: socket.socket,
        address: Destination,
        peer: PeerCredentials | None,
    ) -> None:
        self._stream = stream
        self._sock = sock
        self._address = address
        self._peer = peer
        self._read_size = _ReadSize()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            with anyio.fail_after(timeout):
                return await self._stream.receive(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(_io_message("reading from", self._address, exc)) from exc
        except anyio.EndOfStream:
            return b""
        except _READ_ERRORS as exc:
            raise httpcore.ReadError(_io_message("reading from", self._address, exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            with anyio.fail_after(timeout):
                await self._stream.send(buffer)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(_io_message("writing to", self._address, exc)) from exc
        except _READ_ERRORS as exc:
            raise httpcore.WriteError(_io_message("writing to", self._address, exc)) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def read_plain(self, timeout: float | None) -> bytes:
        """:meth:`read` on the socket itself (not TLS), for the HTTP/1.1 engine: what is there
        at once is taken (then a checkpoint lets other tasks run), else the read waits."""
        sock = self._sock
        try:
            while True:
                asked = self._read_size.next(65536)
                try:
                    data = sock.recv(asked)
                except BlockingIOError:
                    with anyio.fail_after(timeout):
                        await anyio.wait_readable(sock)
                    continue
                self._read_size.update(asked, len(data), 65536)
                await anyio.lowlevel.checkpoint()
                return data
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(_io_message("reading from", self._address, exc)) from exc
        except OSError as exc:
            raise httpcore.ReadError(_io_message("reading from", self._address, exc)) from exc

    async def write_plain(self, buffer: bytes, timeout: float | None) -> None:
        """:meth:`write` on the socket itself (not TLS), for the HTTP/1.1 engine: waits only
        while the socket's buffer is full."""
        sock = self._sock
        view = memoryview(buffer)
        try:
            while view:
                try:
                    view = view[sock.send(view) :]
                except BlockingIOError:
                    with anyio.fail_after(timeout):
                        await anyio.wait_writable(sock)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(_io_message("writing to", self._address, exc)) from exc
        except OSError as exc:
            raise httpcore.WriteError(_io_message("writing to", self._address, exc)) from exc

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                tls = await TLSStream.wrap(
                    self._stream,
                    server_side=False,
                    hostname=server_hostname,
                    ssl_context=ssl_context,
                    standard_compatible=False,
                )
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout(_tls_message(self._address, exc)) from exc
        except (anyio.EndOfStream, *_READ_ERRORS) as exc:
            await self.aclose()
            cause = exc.__cause__ if isinstance(exc.__cause__, ssl.SSLError) else exc
            raise httpcore.ConnectError(_tls_message(self._address, cause)) from exc
        return AsyncUnixStream(tls, self._sock, self._address, self._peer)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._stream.extra(TLSAttribute.ssl_object, None)  # noqa: S610 (anyio, not Django)
        return _extra_info(info, self._sock, self._address, self._peer)


class AsyncUnixBackend(_Sockets, httpcore.AsyncNetworkBackend):
    """Dials the socket an origin host stands for; ``await anyio.sleep`` between backlog retries.

    Works on asyncio and trio (anyio picks the running one), and never busy-waits on a full
    listen backlog, unlike ``anyio.connect_unix``. *expected_peer_uid*, *targets* and *names*: see
    :class:`SyncUnixBackend`.
    """

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self.connect(self.destination(host), timeout, socket_options)

    async def connect(
        self,
        destination: Destination,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> AsyncUnixStream:
        """A connected stream to *destination*. A held socket is handed over at once; a connect
        callable (blocking code) runs in a worker thread (``anyio.to_thread``), so the event
        loop goes on; *timeout* does not bound it. A request cancelled meanwhile waits for it,
        then closes the socket it returned."""
        await anyio.lowlevel.checkpoint()
        with self._connect_errors(destination), self._attempt(destination, timeout) as attempt:
            if isinstance(destination, SocketTarget) and not destination.held:
                await anyio.to_thread.run_sync(attempt.step)
                await anyio.lowlevel.checkpoint()  # cancelled meanwhile: the attempt closes it
            while (delay := attempt.step()) is not None:
                await anyio.sleep(delay)
            sock = attempt.detach()
        try:
            sock.setblocking(False)
            _apply_options(sock, socket_options)
        except BaseException:
            sock.close()
            raise
        return AsyncUnixStream(_SocketByteStream(sock), sock, destination, attempt.peer_credentials)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        host = origin_host(path).decode("ascii")
        return await self.connect_tcp(host, 0, timeout, None, socket_options)

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


def _io_message(doing: str, address: Destination, exc: BaseException) -> str:
    """``timed out reading from UNIX socket '/run/app.sock'`` (or the error's own words)."""
    if isinstance(exc, (TimeoutError, socket.timeout)):
        detail = "timed out"
    else:
        detail = str(exc) or type(exc).__name__
    return f"{detail} {doing} UNIX socket '{shown(address)}'"


def _tls_message(address: Destination, exc: BaseException) -> str:
    detail = str(exc) or type(exc).__name__
    return f"TLS handshake over UNIX socket '{shown(address)}' failed: {detail}"
