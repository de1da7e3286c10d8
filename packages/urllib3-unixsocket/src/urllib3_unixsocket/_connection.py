"""urllib3 connections whose transport is a UNIX socket dialed by :mod:`unixsocket_url`."""

from __future__ import annotations

import io
import os
import socket
import stat
import sys
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

import unixsocket_url
from unixsocket_url import (
    PeerCredentials,
    SocketAddress,
    SocketSource,
    SocketTarget,
    UnixConnectError,
    UnixConnectTimeout,
)

from ._errors import SocketAccessDenied
from ._response import StrictHTTPResponse

_TCP_LEVELS = frozenset({socket.IPPROTO_TCP, getattr(socket, "SOL_TCP", socket.IPPROTO_TCP)})

BLOCKSIZE = 1 << 20
"""Bytes read from a file body per send (urllib3's default, 16 KiB, costs a third of the
throughput of a UNIX socket on large uploads); ``blocksize=`` still overrides it."""


class UnixHTTPConnection(HTTPConnection):
    """An HTTP/1.1 connection over the UNIX socket *address*.

    *address* is a socket spec (``"/run/app.sock"``, ``"unix:///run/app.sock"``, ``"@name"``
    for a Linux abstract name; ``bytes`` or ``os.PathLike`` for the exact name: see
    :func:`unixsocket_url.parse_socket`), a connected ``AF_UNIX`` stream socket the connection
    takes over (it cannot be re-made once closed), a connect callable returning a new connected
    socket each time, or a :class:`unixsocket_url.SocketTarget`.

    Everything else is urllib3's :class:`~urllib3.connection.HTTPConnection`: the ``Host`` header
    is ``localhost`` unless the request sets one. ``connect()`` raises urllib3's
    :class:`~urllib3.exceptions.NewConnectionError` (or
    :class:`~urllib3.exceptions.ConnectTimeoutError` when the listen backlog stays full until the
    connect timeout), naming the socket, so ``Retry(connect=n)`` retries it. Permission denied
    raises :class:`SocketAccessDenied` instead, which no ``Retry`` retries. TCP-level socket
    options (urllib3's default ``TCP_NODELAY``) do not apply to UNIX sockets and are skipped;
    others (``SOL_SOCKET``) are applied. Responses are read by :class:`StrictHTTPResponse`: a head
    cut short or with a ``Content-Length`` that is not a number fails, and informational
    (``1xx``) responses are skipped.

    With *expected_peer_uid*, a socket served by another user is refused right after connecting,
    before a byte of the request is sent: :class:`SocketAccessDenied` (Linux only).
    """

    def __init__(
        self,
        address: SocketSource | SocketTarget,
        host: str = "localhost",
        port: int | None = None,
        *,
        expected_peer_uid: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.target = address if isinstance(address, SocketTarget) else SocketTarget(address)
        self.address: SocketAddress | None = self.target.address
        """The socket's address (``None`` for a held socket or a connect callable)."""
        self.expected_peer_uid = expected_peer_uid
        self.pid: int | None = None
        """The process that opened the current socket (``None`` before the first connect)."""
        self.peer_credentials: PeerCredentials | None = None
        """The server's pid, uid and gid for the current socket (``None`` before the first
        connect, or where ``SO_PEERCRED`` is not available)."""
        kwargs.setdefault("blocksize", BLOCKSIZE)
        super().__init__(host, port, **kwargs)

    response_class = StrictHTTPResponse

    def __repr__(self) -> str:
        return f"{type(self).__name__}(socket={self.target.shown!r})"

    __str__ = __repr__

    def _new_conn(self) -> socket.socket:
        try:
            with unixsocket_url.ConnectAttempt(
                self.target, seconds(self.timeout), expected_peer_uid=self.expected_peer_uid
            ) as attempt:
                sock = attempt.run()
        except UnixConnectTimeout as exc:
            raise ConnectTimeoutError(self, str(exc)) from exc
        except UnixConnectError as exc:
            if not exc.retryable:
                raise SocketAccessDenied(str(exc), exc.address) from exc
            raise NewConnectionError(self, str(exc)) from exc
        self.peer_credentials = attempt.peer_credentials
        try:
            for option in self.socket_options or ():
                if option[0] not in _TCP_LEVELS:
                    sock.setsockopt(*option)
        except OSError as exc:
            sock.close()
            raise NewConnectionError(
                self, f"cannot set a socket option on UNIX socket '{self.target.shown}': {exc}"
            ) from exc
        self.pid = os.getpid()
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock

    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, **kwargs: Any
    ) -> None:
        """urllib3's ``request``; a regular binary file body of a declared length goes out with
        ``sendfile()`` (no copy through Python, as the raw socket does) instead of 1 MiB reads."""
        if _sendfile_able(self, body, headers, kwargs):
            body = _SendfileBody(self, body)
        super().request(method, url, body, headers, **kwargs)

    @property
    def inherited(self) -> bool:
        """True when the open socket was made by another process (this one is a fork's child)."""
        return self.sock is not None and self.pid is not None and self.pid != os.getpid()


def seconds(timeout: object) -> float | None:
    """A timeout as urllib3 holds it (a number, ``None``, or its default sentinel) in seconds."""
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    return None if timeout is None else socket.getdefaulttimeout()


def _sendfile_able(conn: UnixHTTPConnection, body: Any, headers: Any, kwargs: Any) -> bool:
    """Whether *body* can be sent with ``sendfile()``: a plain (not TLS) connection, an
    unbuffered or buffered binary file on disk, a ``Content-Length`` given, no chunking."""
    if isinstance(conn, HTTPSConnection) or not isinstance(body, (io.BufferedReader, io.FileIO)):
        return False
    if kwargs.get("chunked") or kwargs.get("encode_chunked") or not headers:
        return False
    if not any(str(name).lower() == "content-length" for name in headers):
        return False
    try:
        return stat.S_ISREG(os.fstat(body.fileno()).st_mode)
    except (OSError, ValueError):
        return False


class _SendfileBody:
    """A file body whose first ``read()`` sends the rest of the file, from its position, on the
    connection's socket with ``socket.sendfile()`` (which leaves the file positioned after what
    it sent, as reading it would) and returns ``b""``: http.client and urllib3 send the
    headers first, then read the body until it returns nothing."""

    def __init__(self, conn: UnixHTTPConnection, file: io.BufferedReader | io.FileIO) -> None:
        self._conn = conn
        self._file = file
        self._sent = False

    def read(self, size: int = -1) -> bytes:
        sock = self._conn.sock
        if self._sent or sock is None:  # (None: never, http.client connects before the body)
            return b"" if self._sent else self._file.read(size)
        self._sent = True
        sys.audit("http.client.send", self._conn, self._file)
        sock.sendfile(self._file, self._file.tell())  # from where reading would start
        return b""


class UnixHTTPSConnection(UnixHTTPConnection, HTTPSConnection):
    """TLS over the UNIX socket *address* (any :class:`UnixHTTPConnection` takes, a held socket
    included: TLS is set up on it once), with urllib3's TLS options.

    ``cert_reqs``, ``ca_certs``, ``ca_cert_dir``, ``ca_cert_data``, ``cert_file``, ``key_file``,
    ``key_password``, ``ssl_context``, ``assert_hostname``, ``assert_fingerprint``,
    ``ssl_minimum_version``... work as in :class:`~urllib3.connection.HTTPSConnection`. The name
    sent for SNI and checked against the certificate is ``server_hostname``, ``localhost`` when
    not given (the socket path is never used as a host name).
    """
