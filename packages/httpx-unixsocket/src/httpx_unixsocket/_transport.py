"""httpx transports that send each request to the UNIX socket its URL names.

Each transport owns one httpcore connection pool, configured as httpx's own transports configure
theirs (``verify``, ``cert``, ``http1``/``http2``, ``limits``, ``retries``), with a network backend
that dials UNIX sockets. Each socket is its own origin in that pool, so keep-alive connections
are per socket and reused across any mix of paths, while ``httpx.Limits`` bounds the transport
as a whole, exactly as it bounds an httpx transport across hosts.
"""

from __future__ import annotations

import collections.abc
import contextlib
import importlib.util
import socket
import ssl
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

import httpcore
import httpx

from unixsocket_url import ENCODED_PIECE, SCHEMES, SocketNames, SocketTarget, UnixConnectError

from ._backend import AsyncUnixBackend, Destination, SyncUnixBackend, origin_host
from ._engine import AsyncEngine, Connection, Outgoing, SyncEngine, async_receive, receive
from ._errors import SocketAccessDenied
from ._h1 import framing, request_head
from ._peer import with_peer_credentials
from ._pool import AsyncConnectionPool, ConnectionPool
from ._resolve import UNIX_SOCKET_EXTENSION, Decisions, parse_request_url, resolve

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
    from types import TracebackType

    from unixsocket_url import SocketAddress, SocketSource

VerifyTypes = Union[ssl.SSLContext, str, bool]
CertTypes = Union[str, tuple[str, str], tuple[str, str, str]]

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's own default pool limits."""

_T = TypeVar("_T")
_Pool = TypeVar("_Pool", ConnectionPool, AsyncConnectionPool)
_Engine = TypeVar("_Engine", SyncEngine, AsyncEngine)
_Body = TypeVar("_Body", bound="Iterable[bytes] | AsyncIterable[bytes]")


_EXCEPTIONS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    UnixConnectError: SocketAccessDenied,  # only those retrying cannot help get this far
}
"""httpcore's exceptions and the httpx ones httpx's transports raise for them; and the backends'
connect errors that no retry may help."""


class _map_exceptions:  # noqa: N801 - used as a function: ``with _map_exceptions(request):``
    """Re-raise an httpcore exception as the most specific httpx one, as httpx does (a class:
    cheaper than a generator-based context manager, and entered twice per request)."""

    __slots__ = ("_request",)

    def __init__(self, request: httpx.Request | None) -> None:
        self._request = request

    def __enter__(self) -> None:
        pass

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not isinstance(exc, Exception):
            return
        mapped: type[httpx.TransportError] | None = None
        for source, target in _EXCEPTIONS.items():
            if isinstance(exc, source) and (mapped is None or issubclass(target, mapped)):
                mapped = target
        if mapped is not None:
            raise mapped(str(exc), request=self._request) from exc


class _Setup:
    """What both transports share: configuration, routing and the httpcore request."""

    def __init__(
        self,
        *,
        socket: SocketSource | None,
        sockets: Mapping[str, SocketSource] | SocketNames | None,
        verify: VerifyTypes,
        cert: CertTypes | None,
        trust_env: bool,
        http2: bool,
        proxy: object,
        server_hostname: str | None,
        name: str,
    ) -> None:
        if proxy is not None:
            raise ValueError(
                f"{name}(proxy=...): a proxy cannot reach a UNIX socket, and UNIX-socket "
                "requests never go through one; mount an httpx transport with the proxy for "
                "ordinary http:// and https:// URLs instead"
            )
        if http2 and importlib.util.find_spec("h2") is None:
            raise ImportError(
                "Using http2=True, but the 'h2' package is not installed. "
                "Install it with `pip install httpx-unixsocket[http2]`."
            )
        if socket is not None and sockets:
            raise ValueError(
                f"{name}(socket=..., sockets=...): socket= sends every request to one socket, "
                "so names would never be used; pass one or the other"
            )
        self.name = name
        self.target = None if socket is None else SocketTarget(socket)
        self.socket: Destination | None = None if self.target is None else self.target.identity
        """The destination of single-socket mode (see :attr:`UnixTransport.socket`)."""
        self.names: SocketNames | None = None
        if sockets:
            self.names = sockets if isinstance(sockets, SocketNames) else SocketNames(sockets)
        self.server_hostname = server_hostname
        self.ssl_context = httpx.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)
        self.decisions = Decisions()

    def headers(self, request: httpx.Request) -> list[tuple[bytes, bytes]]:
        """The request's header fields as sent (never the encoded socket path as ``Host``)."""
        url = request.url
        headers = request.headers.raw
        if url.scheme in SCHEMES:  # the Host httpx derived from the URL: never send it
            netloc = url.netloc.lower()
            headers = [
                (key, b"localhost")
                if key.lower() == b"host" and value.lower() == netloc
                else (key, value)
                for key, value in headers
            ]
        return headers

    @property
    def targets(self) -> list[SocketTarget]:
        """The sockets the transport was given (and owns, when held)."""
        given = [] if self.target is None else [self.target]
        return given + list((self.names or {}).values())

    def close(self) -> None:
        """Close the held sockets never used (the transport owns them)."""
        if self.target is not None:
            self.target.close()
        if self.names is not None:
            self.names.close()

    def httpcore_request(
        self, request: httpx.Request, content: Any, scheme: bytes, address: Destination
    ) -> httpcore.Request:
        url = request.url
        extensions = dict(request.extensions)
        if "sni_hostname" not in extensions:
            hostname = self.server_hostname or ("localhost" if url.scheme in SCHEMES else url.host)
            extensions["sni_hostname"] = hostname
        return httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=scheme, host=origin_host(address), port=None, target=url.raw_path
            ),
            headers=self.headers(request),
            content=content,
            extensions=extensions,
        )

    def engine_request(self, request: httpx.Request, body: _Body) -> Outgoing[_Body]:
        """*request* for the HTTP/1.1 engine, with *body* (its stream, or a wrapper)."""
        headers = self.headers(request)
        method = request.method
        head = request_head(method.encode("ascii"), request.url.raw_path, headers)
        timeouts = request.extensions.get("timeout", {})
        body_framing, close = framing(headers)
        return Outgoing(method, head, body, body_framing, close, timeouts)

    def route(self, request: httpx.Request) -> tuple[bytes, Destination]:
        scheme = request.url.scheme
        if scheme in SCHEMES:
            if self.socket is not None:
                return SCHEMES[scheme].encode("ascii"), self.socket
            if self.names is not None:
                named = self.names.lookup(parse_request_url(request.url))
                if named is not None:  # a name wins over a relative path spelt the same
                    return SCHEMES[scheme].encode("ascii"), named.identity
            return SCHEMES[scheme].encode("ascii"), resolve(
                request.url, request.extensions.get(UNIX_SOCKET_EXTENSION), self.decisions
            )
        if self.socket is not None and scheme in ("http", "https"):
            return scheme.encode("ascii"), self.socket
        raise httpx.UnsupportedProtocol(
            f"{self.name}() sends http+unix:// and https+unix:// URLs, not {str(request.url)!r}"
            " (single-socket mode, socket=..., also sends http:// and https:// URLs to its socket)",
            request=request,
        )


def _piece_size(headers: list[tuple[bytes, bytes]]) -> int | None:
    """:data:`ENCODED_PIECE` for a response with a ``Content-Encoding``, else ``None``."""
    for name, value in headers:
        if name.lower() == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            return ENCODED_PIECE
    return None


def _split(part: bytes, size: int | None) -> Iterator[bytes]:
    """*part* in pieces of at most *size* bytes (whole when *size* is ``None``)."""
    if size is None or len(part) <= size:
        yield part
    else:
        for start in range(0, len(part), size):
            yield part[start : start + size]


def _bodiless_socket(request: httpx.Request, response: httpcore.Response) -> socket.socket | None:
    """The socket of an HTTP/1.1 response that has no body by rule (to ``HEAD``, ``204``,
    ``304``), else ``None``."""
    if request.method != "HEAD" and response.status not in (204, 304):
        return None
    if response.extensions.get("http_version") != b"HTTP/1.1":
        return None  # HTTP/2 frames its streams: nothing stray is read as a response
    stream = response.extensions.get("network_stream")
    sock = None if stream is None else stream.get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) else None


class _Response:
    """What both response streams do besides iterating: cut a compressed body into small
    pieces (:data:`ENCODED_PIECE`), and retire the connection of a bodiless response.

    A server that sends a body after a ``HEAD`` or ``204`` answer anyway, however late, would
    have it read as the head of the next response on the connection (a desynchronised
    connection). Its socket is shut down before the response is released, so the pool sees a
    closed connection and opens a new one for the next request.
    """

    def __init__(self, request: httpx.Request, response: httpcore.Response) -> None:
        self._request = request
        self._piece = _piece_size(response.headers)
        self._bodiless = _bodiless_socket(request, response)

    def _retire(self) -> None:
        if self._bodiless is not None:
            with contextlib.suppress(OSError):
                self._bodiless.shutdown(socket.SHUT_RDWR)


class _ResponseStream(_Response, httpx.SyncByteStream):
    def __init__(self, request: httpx.Request, response: httpcore.Response) -> None:
        super().__init__(request, response)
        self._stream: Iterable[bytes] = response.stream  # type: ignore[assignment]

    def __iter__(self) -> Iterator[bytes]:
        with _map_exceptions(self._request):
            if self._piece is None:
                yield from self._stream
            else:
                for part in self._stream:
                    yield from _split(part, self._piece)

    def close(self) -> None:
        self._retire()
        close = getattr(self._stream, "close", None)
        if close is not None:
            with _map_exceptions(self._request):
                close()


class _AsyncResponseStream(_Response, httpx.AsyncByteStream):
    def __init__(self, request: httpx.Request, response: httpcore.Response) -> None:
        super().__init__(request, response)
        self._stream: AsyncIterable[bytes] = response.stream  # type: ignore[assignment]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _map_exceptions(self._request):
            async for part in self._stream:
                for piece in _split(part, self._piece):
                    yield piece

    async def aclose(self) -> None:
        self._retire()
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            with _map_exceptions(self._request):
                await aclose()


class _AsyncRequestBody:
    """The request body for httpcore, closable when httpcore abandons it halfway.

    httpcore stops iterating a body when a write fails; the async generator behind it is then
    left to the garbage collector, which trio reports as a ResourceWarning.
    """

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream
        self._iterator: AsyncIterator[bytes] | None = None

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again (it is in memory)."""
        return isinstance(self._stream, httpx.ByteStream)

    def __aiter__(self) -> _AsyncRequestBody:
        self._iterator = self._stream.__aiter__()
        return self

    async def __anext__(self) -> bytes:
        if self._iterator is None:
            self._iterator = self._stream.__aiter__()
        return await self._iterator.__anext__()

    async def aclose(self) -> None:
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            await aclose()


class _EngineResponse:
    """What both engine response streams share: the connection, and when to let it go."""

    def __init__(
        self, request: httpx.Request, connection: Connection[Any], timeouts: dict[str, Any]
    ) -> None:
        self._request = request
        self._connection = connection
        self._timeout: float | None = timeouts.get("read")
        self._piece = _piece_size(connection.parser.headers)
        self._done = False

    def _pieces(self) -> Iterator[bytes]:
        """The body bytes the parser holds, cut as :data:`ENCODED_PIECE` says."""
        parser = self._connection.parser
        pieces, parser.body = parser.body, []
        for piece in pieces:
            yield from _split(piece, self._piece)


class _EngineStream(_EngineResponse, httpx.SyncByteStream):
    def __init__(
        self,
        request: httpx.Request,
        connection: Connection[Any],
        timeouts: dict[str, Any],
        engine: SyncEngine,
    ) -> None:
        super().__init__(request, connection, timeouts)
        self._engine = engine

    def __iter__(self) -> Iterator[bytes]:
        parser = self._connection.parser
        with _map_exceptions(self._request):
            while True:
                yield from self._pieces()
                if parser.complete:
                    break
                receive(self._connection, self._timeout)
        self.close()

    def close(self) -> None:
        if not self._done:
            self._done = True
            self._engine.release(self._connection)


class _AsyncEngineStream(_EngineResponse, httpx.AsyncByteStream):
    def __init__(
        self,
        request: httpx.Request,
        connection: Connection[Any],
        timeouts: dict[str, Any],
        engine: AsyncEngine,
    ) -> None:
        super().__init__(request, connection, timeouts)
        self._engine = engine

    async def __aiter__(self) -> AsyncIterator[bytes]:
        parser = self._connection.parser
        with _map_exceptions(self._request):
            while True:
                for piece in self._pieces():
                    yield piece
                if parser.complete:
                    break
                await async_receive(self._connection, self._timeout)
        await self.aclose()

    async def aclose(self) -> None:
        if not self._done:
            self._done = True
            self._engine.release(self._connection)


def _engine_response(
    connection: Connection[Any], stream: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    parser = connection.parser
    return httpx.Response(
        status_code=parser.status,
        headers=parser.headers,
        stream=stream,
        extensions=connection.extensions(),
    )


class _UnixTransportBase(Generic[_Pool, _Engine]):
    """The options both transports take (see :class:`UnixTransport`), and what they make: the
    HTTP/1.1 engine for plain requests, and an httpcore pool for TLS and HTTP/2."""

    _backend_class: type[SyncUnixBackend | AsyncUnixBackend]
    _pool_class: type[_Pool]
    _engine_class: type[_Engine]

    def __init__(
        self,
        *,
        socket: SocketSource | None = None,
        sockets: Mapping[str, SocketSource] | SocketNames | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
        proxy: None = None,
        retries: int = 0,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
        server_hostname: str | None = None,
        expected_peer_uid: int | None = None,
    ) -> None:
        self._setup = _Setup(
            socket=socket,
            sockets=sockets,
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http2=http2,
            proxy=proxy,
            server_hostname=server_hostname,
            name=type(self).__name__,
        )
        backend: Any = self._backend_class(
            expected_peer_uid=expected_peer_uid,
            targets=self._setup.targets,
            names=self._setup.names,
        )
        options: dict[str, Any] = {
            "network_backend": backend,
            "ssl_context": self._setup.ssl_context,
            "http1": http1,
            "http2": http2,
            "socket_options": socket_options,
        }
        self._pool: _Pool = self._pool_class(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            retries=retries,
            **options,
        )
        self._held_pools: dict[Destination, _Pool] = {
            target: self._pool_class(max_connections=1, retries=0, **options)
            for target in self._setup.targets
            if target.held
        }
        """A pool of one connection, never expired, for each held socket's TLS or HTTP/2
        requests (requests wait for it; once it is gone, the next one fails at once)."""
        self._engine: _Engine | None = (
            self._engine_class(backend, limits, retries, socket_options)
            if http1 and not http2
            else None
        )

    @property
    def socket(self) -> SocketAddress | SocketTarget | None:
        """The socket of single-socket mode (its address; a :class:`~unixsocket_url.SocketTarget`
        for a held socket or a connect callable), or ``None`` when URLs name their sockets."""
        return self._setup.socket

    @property
    def sockets(self) -> SocketNames | None:
        """The registered socket names (``sockets=``), or ``None``."""
        return self._setup.names

    def _close_sockets(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._setup.close()

    def _pool_for(self, destination: Destination) -> _Pool:
        """The httpcore pool for *destination*: a held socket's own, or the shared one."""
        return self._held_pools.get(destination, self._pool) if self._held_pools else self._pool


class UnixTransport(_UnixTransportBase[ConnectionPool, SyncEngine], httpx.BaseTransport):
    """An httpx transport for ``http+unix://`` and ``https+unix://`` URLs.

    Mount it (``httpx.Client(mounts={"http+unix://": UnixTransport()})``) or let
    :class:`httpx_unixsocket.Client` do it. With *socket*, every request goes to that socket
    whatever its URL, ``http://`` ones included (like httpx's ``uds=``). *sockets* maps names to
    sockets: ``http+unix://docker/...`` reaches the one named ``docker``. A socket is a spec
    (``unix:///path``, a path, ``@abstract``), a connected socket the transport takes over (one
    connection: requests wait for it), or a connect callable (called for each new connection);
    see :class:`unixsocket_url.SocketTarget`. The other options are
    those of :class:`httpx.HTTPTransport`; *server_hostname* is the name a TLS certificate is
    checked against (default ``localhost``; a request's ``sni_hostname`` extension wins), and
    *trust_env* only affects ``SSL_CERT_FILE``/``SSL_CERT_DIR``: proxies never apply.

    Plain HTTP/1.1 requests (``http+unix://``, and ``http://`` in single-socket mode, unless
    ``http2=True``) go through this package's own HTTP/1.1 engine; TLS over the socket and
    HTTP/2 through httpcore. Each keeps its connections within *limits*.

    *expected_peer_uid* refuses a socket served by another user before any byte of the request
    is sent (Linux only); that and permission denied raise :class:`SocketAccessDenied`, never
    retried. Responses carry the server's credentials (:func:`peer_credentials`).
    """

    _backend_class = SyncUnixBackend
    _pool_class = ConnectionPool
    _engine_class = SyncEngine

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise TypeError("UnixTransport needs a request with a sync body stream")
        scheme, address = self._setup.route(request)
        if scheme == b"http" and self._engine is not None:
            with _map_exceptions(request):
                outgoing = self._setup.engine_request(request, stream)
                connection = self._engine.send(address, outgoing)
            return _engine_response(
                connection, _EngineStream(request, connection, outgoing.timeouts, self._engine)
            )
        core_request = self._setup.httpcore_request(request, stream, scheme, address)
        with _map_exceptions(request):
            response = self._pool_for(address).handle_request(core_request)
        if not isinstance(response.stream, collections.abc.Iterable):
            raise TypeError("httpcore returned a response without a sync stream")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(request, response),
            extensions=with_peer_credentials(response.extensions),
        )

    def close(self) -> None:
        self._close_sockets()
        for pool in (self._pool, *self._held_pools.values()):
            pool.close()

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._close_sockets()
        with _map_exceptions(None):
            for pool in (self._pool, *self._held_pools.values()):
                pool.__exit__(exc_type, exc_value, traceback)


class AsyncUnixTransport(
    _UnixTransportBase[AsyncConnectionPool, AsyncEngine], httpx.AsyncBaseTransport
):
    """The asyncio/trio twin of :class:`UnixTransport`, with the same options."""

    _backend_class = AsyncUnixBackend
    _pool_class = AsyncConnectionPool
    _engine_class = AsyncEngine

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("AsyncUnixTransport needs a request with an async body stream")
        scheme, address = self._setup.route(request)
        body = _AsyncRequestBody(request.stream)
        try:
            if scheme == b"http" and self._engine is not None:
                with _map_exceptions(request):
                    outgoing = self._setup.engine_request(request, body)
                    connection = await self._engine.send(address, outgoing)
                stream = _AsyncEngineStream(request, connection, outgoing.timeouts, self._engine)
                return _engine_response(connection, stream)
            core_request = self._setup.httpcore_request(request, body, scheme, address)
            with _map_exceptions(request):
                response = await self._pool_for(address).handle_async_request(core_request)
        finally:
            # An upload cut short (an error, or an early answer such as 413): close its
            # generator now, not at garbage collection. A body sent whole is closed already.
            await body.aclose()
        if not isinstance(response.stream, collections.abc.AsyncIterable):
            raise TypeError("httpcore returned a response without an async stream")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_AsyncResponseStream(request, response),
            extensions=with_peer_credentials(response.extensions),
        )

    async def aclose(self) -> None:
        self._close_sockets()
        for pool in (self._pool, *self._held_pools.values()):
            await pool.aclose()

    async def __aenter__(self: _T) -> _T:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._close_sockets()
        with _map_exceptions(None):
            for pool in (self._pool, *self._held_pools.values()):
                await pool.__aexit__(exc_type, exc_value, traceback)
