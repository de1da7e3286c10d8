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
from typing import TYPE_CHECKING, Any, TypeVar, Union

import httpcore
import httpx

from unixsocket_url import SCHEMES, UnixConnectError, normalize_address

from ._backend import AsyncUnixBackend, SyncUnixBackend, origin_host
from ._peer import with_peer_credentials
from ._pool import AsyncConnectionPool, ConnectionPool
from ._resolve import UNIX_SOCKET_EXTENSION, resolve

if TYPE_CHECKING:
    import os
    from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
    from types import TracebackType

    from unixsocket_url import SocketAddress

    SocketLike = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]

VerifyTypes = Union[ssl.SSLContext, str, bool]
CertTypes = Union[str, tuple[str, str], tuple[str, str, str]]

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's own default pool limits."""

_T = TypeVar("_T")


class SocketAccessDenied(httpx.ConnectError):
    """The socket may not be used: permission denied, or served by an unexpected user.

    An :class:`httpx.ConnectError` whose message names the socket and the cause, never retried
    by the transport's ``retries=``; no byte of the request was sent. The
    :class:`unixsocket_url.UnixConnectError` (:class:`unixsocket_url.UnexpectedPeer` for a
    refused server) is chained as ``__cause__``.
    """


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


@contextlib.contextmanager
def _map_exceptions(request: httpx.Request | None) -> Iterator[None]:
    """Re-raise an httpcore exception as the most specific httpx one, as httpx does."""
    try:
        yield
    except Exception as exc:
        mapped: type[httpx.TransportError] | None = None
        for source, target in _EXCEPTIONS.items():
            if isinstance(exc, source) and (mapped is None or issubclass(target, mapped)):
                mapped = target
        if mapped is None:
            raise
        raise mapped(str(exc), request=request) from exc


class _Setup:
    """What both transports share: configuration, routing and the httpcore request."""

    def __init__(
        self,
        *,
        socket: SocketLike | None,
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
        self.name = name
        self.socket: SocketAddress | None = None if socket is None else normalize_address(socket)
        self.server_hostname = server_hostname
        self.ssl_context = httpx.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)

    def httpcore_request(self, request: httpx.Request, content: Any) -> httpcore.Request:
        scheme, address = self._route(request)
        url = request.url
        unix = url.scheme in SCHEMES
        headers = request.headers.raw
        if unix:  # the Host httpx derived from the URL is the encoded socket path: never send it
            netloc = url.netloc.lower()
            headers = [
                (key, b"localhost")
                if key.lower() == b"host" and value.lower() == netloc
                else (key, value)
                for key, value in headers
            ]
        extensions = dict(request.extensions)
        if "sni_hostname" not in extensions:
            hostname = self.server_hostname or ("localhost" if unix else url.host)
            extensions["sni_hostname"] = hostname
        return httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=scheme, host=origin_host(address), port=None, target=url.raw_path
            ),
            headers=headers,
            content=content,
            extensions=extensions,
        )

    def _route(self, request: httpx.Request) -> tuple[bytes, SocketAddress]:
        scheme = request.url.scheme
        if scheme in SCHEMES:
            if self.socket is not None:
                return SCHEMES[scheme].encode("ascii"), self.socket
            return SCHEMES[scheme].encode("ascii"), resolve(
                request.url, request.extensions.get(UNIX_SOCKET_EXTENSION)
            )
        if self.socket is not None and scheme in ("http", "https"):
            return scheme.encode("ascii"), self.socket
        raise httpx.UnsupportedProtocol(
            f"{self.name}() sends http+unix:// and https+unix:// URLs, not {str(request.url)!r}"
            " (single-socket mode, socket=..., also sends http:// and https:// URLs to its socket)",
            request=request,
        )


ENCODED_PIECE = 2048
"""The largest piece of a compressed (``Content-Encoding``) body handed to httpx at a time.

httpx inflates each piece of the raw stream whole, and while ``iter_bytes(n)`` cuts the result
into pieces of *n* its peak memory is about six times what one piece inflated to (measured). Deflate
inflates at most about 1,032 to 1: 2 KiB become at most about 2 MiB, some 12 MiB of peak
memory however large the body, where one 512 KiB read (``MAX_READ``) could take 3 GiB.
Bodies without an encoding keep their large reads."""


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


class UnixTransport(httpx.BaseTransport):
    """An httpx transport for ``http+unix://`` and ``https+unix://`` URLs.

    Mount it (``httpx.Client(mounts={"http+unix://": UnixTransport()})``) or let
    :class:`httpx_unixsocket.Client` do it. With *socket*, every request goes to that socket
    whatever its URL, ``http://`` ones included (like httpx's ``uds=``). The other options are
    those of :class:`httpx.HTTPTransport`; *server_hostname* is the name a TLS certificate is
    checked against (default ``localhost``; a request's ``sni_hostname`` extension wins), and
    *trust_env* only affects ``SSL_CERT_FILE``/``SSL_CERT_DIR``: proxies never apply.

    *expected_peer_uid* refuses a socket served by another user before any byte of the request
    is sent (Linux only); that and permission denied raise :class:`SocketAccessDenied`, never
    retried. Responses carry the server's credentials (:func:`peer_credentials`).
    """

    def __init__(
        self,
        *,
        socket: SocketLike | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
        proxy: None = None,
        retries: int = 0,
        socket_options: Iterable[Any] | None = None,
        server_hostname: str | None = None,
        expected_peer_uid: int | None = None,
    ) -> None:
        self._setup = _Setup(
            socket=socket,
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http2=http2,
            proxy=proxy,
            server_hostname=server_hostname,
            name="UnixTransport",
        )
        self._pool = ConnectionPool(
            ssl_context=self._setup.ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=http1,
            http2=http2,
            retries=retries,
            socket_options=socket_options,
            network_backend=SyncUnixBackend(expected_peer_uid=expected_peer_uid),
        )

    @property
    def socket(self) -> SocketAddress | None:
        """The socket of single-socket mode, or ``None`` when URLs name their sockets."""
        return self._setup.socket

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):
            raise TypeError("UnixTransport needs a request with a sync body stream")
        core_request = self._setup.httpcore_request(request, request.stream)
        with _map_exceptions(request):
            response = self._pool.handle_request(core_request)
        if not isinstance(response.stream, collections.abc.Iterable):
            raise TypeError("httpcore returned a response without a sync stream")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(request, response),
            extensions=with_peer_credentials(response.extensions),
        )

    def close(self) -> None:
        self._pool.close()

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        with _map_exceptions(None):
            self._pool.__exit__(exc_type, exc_value, traceback)


class AsyncUnixTransport(httpx.AsyncBaseTransport):
    """The asyncio/trio twin of :class:`UnixTransport`, with the same options."""

    def __init__(
        self,
        *,
        socket: SocketLike | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
        proxy: None = None,
        retries: int = 0,
        socket_options: Iterable[Any] | None = None,
        server_hostname: str | None = None,
        expected_peer_uid: int | None = None,
    ) -> None:
        self._setup = _Setup(
            socket=socket,
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http2=http2,
            proxy=proxy,
            server_hostname=server_hostname,
            name="AsyncUnixTransport",
        )
        self._pool = AsyncConnectionPool(
            ssl_context=self._setup.ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=http1,
            http2=http2,
            retries=retries,
            socket_options=socket_options,
            network_backend=AsyncUnixBackend(expected_peer_uid=expected_peer_uid),
        )

    @property
    def socket(self) -> SocketAddress | None:
        """The socket of single-socket mode, or ``None`` when URLs name their sockets."""
        return self._setup.socket

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("AsyncUnixTransport needs a request with an async body stream")
        body = _AsyncRequestBody(request.stream)
        core_request = self._setup.httpcore_request(request, body)
        try:
            with _map_exceptions(request):
                response = await self._pool.handle_async_request(core_request)
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
        await self._pool.aclose()

    async def __aenter__(self: _T) -> _T:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        with _map_exceptions(None):
            await self._pool.__aexit__(exc_type, exc_value, traceback)
