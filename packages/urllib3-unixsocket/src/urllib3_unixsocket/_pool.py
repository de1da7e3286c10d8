"""Connection pools for one UNIX socket each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import EmptyPoolError, LocationValueError, ReadTimeoutError

import unixsocket_url
from unixsocket_url import SocketAddress, SocketSource, SocketTarget

from ._connection import UnixHTTPConnection, UnixHTTPSConnection, seconds
from ._response import URLLIB3_1, BoundedResponse

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection
    from urllib3.response import BaseHTTPResponse


if TYPE_CHECKING:
    _PoolBase = HTTPConnectionPool  # so the mixin's super() calls are typed
else:
    _PoolBase = object


class _UnixPoolMixin(_PoolBase):
    """What the HTTP and HTTPS pools of a UNIX socket share: everything but the scheme."""

    target: SocketTarget
    address: SocketAddress | None
    scheme: str
    if URLLIB3_1:
        ResponseCls = BoundedResponse  # (urllib3 2 makes its responses in the connection)

    def __init__(
        self,
        address: SocketSource | SocketTarget,
        *,
        expected_peer_uid: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.target = address if isinstance(address, SocketTarget) else SocketTarget(address)
        self.address = self.target.address
        self.expected_peer_uid = expected_peer_uid
        kwargs.pop("host", None)
        kwargs.pop("port", None)
        if self.target.held:  # one connection: requests wait for it, never open another
            kwargs.update(maxsize=1, block=True)
        super().__init__(
            "localhost",
            None,
            address=self.target,
            expected_peer_uid=expected_peer_uid,
            **kwargs,
        )

    def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
        try:
            conn = super()._get_conn(timeout)
        except EmptyPoolError:
            if not self.target.held:
                raise
            raise EmptyPoolError(
                self,
                f"waited {timeout} s for the held socket's one connection, which another "
                "request still has (a held socket cannot be re-made)",
            ) from None
        return _drop_inherited(conn)

    def _make_request(
        self, conn: BaseHTTPConnection, *args: Any, **kwargs: Any
    ) -> BaseHTTPResponse:
        reused = getattr(conn, "sock", None) is not None
        try:
            try:
                response = super()._make_request(conn, *args, **kwargs)
            except ConnectionResetError:  # http.client's RemoteDisconnected included
                if not (reused and _resendable(args, kwargs)):
                    raise
                # The keep-alive race: the server closed the idle connection as the request
                # went out, before answering. Nothing was processed; send it once more.
                conn.close()
                response = super()._make_request(conn, *args, **kwargs)
        except ReadTimeoutError as exc:
            if exc.pool is not None:
                raise
            # urllib3 2 preloads the body before the response knows its pool: name the socket
            raise ReadTimeoutError(self, exc.url, "Read timed out.") from exc
        # Set here: by the time urlopen returns, the connection may be back in the pool. (urllib3
        # 1.26 returns the http.client response here, which its response keeps as
        # _original_response; see peer_credentials.)
        response.peer_credentials = getattr(conn, "peer_credentials", None)  # type: ignore[attr-defined]
        return response

    def urlopen(self, method: str, url: str, *args: Any, **kwargs: Any) -> BaseHTTPResponse:
        """urllib3's ``urlopen`` with *url* a path, or a URL of this pool's socket.

        A body cut short of its ``Content-Length`` raises ``ProtocolError`` in urllib3 1.26 as
        in 2.x (1.26 leaves ``enforce_content_length`` off: streamed reads end quietly short).
        """
        kwargs.setdefault("enforce_content_length", True)
        if self.target.held and len(args) <= 6 and kwargs.get("pool_timeout") is None:
            # wait for the one connection as long as connecting may take, never forever
            timeout = args[5] if len(args) > 5 else kwargs.get("timeout", self.timeout)
            kwargs["pool_timeout"] = seconds(self._get_timeout(timeout).connect_timeout)
        if kwargs.get("assert_same_host", True) and not self.is_same_host(url):
            return super().urlopen(method, url, *args, **kwargs)  # raises HostChangedError
        return super().urlopen(method, self._request_target(url), *args, **kwargs)

    def __str__(self) -> str:
        return f"{type(self).__name__}(socket={self.target.shown!r})"

    def is_same_host(self, url: str) -> bool:
        """True for a relative URL, or a UNIX-socket URL of this pool's socket and scheme."""
        if url.startswith("/"):
            return True
        if not unixsocket_url.is_unix_url(url):
            return False
        try:
            parsed = unixsocket_url.parse_url(url)
        except unixsocket_url.InvalidURL:
            return False
        return parsed.scheme == self.scheme and parsed.address == self.address

    def _request_target(self, url: str) -> str:
        """The request target for *url*: a path as is, or the target of a URL on this socket."""
        if url[:1] == "/" or not unixsocket_url.is_unix_url(url):
            return url
        try:
            parsed = unixsocket_url.parse_url(url)
        except unixsocket_url.InvalidURL as exc:
            raise LocationValueError(str(exc)) from exc
        return parsed.target


_REPLAYABLE = (bytes, bytearray, memoryview, str, type(None))


def _resendable(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether ``_make_request(conn, method, url, ...)`` may be repeated: an idempotent method
    and a body held in memory (urllib3 passes the body by keyword)."""
    method = args[0] if args else kwargs.get("method")
    replayable = isinstance(kwargs.get("body"), _REPLAYABLE)
    return replayable and method in unixsocket_url.IDEMPOTENT_METHODS


def _drop_inherited(conn: BaseHTTPConnection) -> BaseHTTPConnection:
    """Close, in a fork's child, a connection the parent opened (its fd only, never shutdown)."""
    if isinstance(conn, UnixHTTPConnection) and conn.inherited:
        # close() releases this process's file descriptor; the parent's stays open and usable.
        conn.close()
    return conn


class UnixHTTPConnectionPool(_UnixPoolMixin, HTTPConnectionPool):
    """A keep-alive pool of HTTP connections to one UNIX socket, for any path.

    Takes the socket *address* and :class:`~urllib3.HTTPConnectionPool`'s keyword arguments
    (``timeout``, ``maxsize``, ``block``, ``headers``, ``retries``...). *address* is a socket
    spec (``"/run/app.sock"``, ``"unix:///run/app.sock"``, ``"@name"`` for a Linux abstract
    name; ``bytes`` or ``os.PathLike`` for the exact name), a connect callable the pool calls
    instead of dialing, or a connected ``AF_UNIX`` stream socket the pool takes over.

    A held socket is one connection that cannot be re-made: the pool holds at most that one
    (``maxsize=1``, ``block=True``), concurrent requests wait for it up to ``pool_timeout``
    (by default the connect timeout) and then raise ``EmptyPoolError``; once it is closed (by
    the peer, after an error, ``Connection: close``, or ``close()``), the next request raises
    ``NewConnectionError`` saying it cannot be re-made. ``urlopen`` takes a path
    (``/v1/info?x=1``) or a URL of this socket. After ``os.fork()``, a pool used in the child
    opens new connections instead of reusing the parent's.

    *expected_peer_uid* refuses a socket served by another user (see
    :class:`UnixHTTPConnection`); every response carries the server's credentials, read with
    :func:`peer_credentials`.
    """

    scheme = "http+unix"
    ConnectionCls = UnixHTTPConnection


class UnixHTTPSConnectionPool(_UnixPoolMixin, HTTPSConnectionPool):
    """:class:`UnixHTTPConnectionPool` for TLS over the socket (``https+unix://``).

    Takes :class:`~urllib3.HTTPSConnectionPool`'s TLS keyword arguments (``cert_reqs``,
    ``ca_certs``, ``cert_file``, ``key_file``, ``ssl_context``, ``assert_hostname``,
    ``server_hostname``...). The certificate is checked against ``server_hostname``, by default
    ``localhost``.
    """

    scheme = "https+unix"
    ConnectionCls = UnixHTTPSConnection
