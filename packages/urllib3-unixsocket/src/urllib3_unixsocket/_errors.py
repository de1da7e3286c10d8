"""The exceptions urllib3-unixsocket adds to urllib3's own."""

from __future__ import annotations

import http.client
from typing import TYPE_CHECKING

from urllib3.exceptions import HTTPError

if TYPE_CHECKING:
    from unixsocket_url import SocketAddress


class RedirectRefused(HTTPError):
    """A redirect was not followed because it leads into a UNIX socket from elsewhere.

    Raised by :class:`~urllib3_unixsocket.UnixPoolManager` for a ``Location`` that goes from
    an ordinary origin into a socket, or from one socket to another. ``location`` is the refused
    URL; the message says why.
    """

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.location = location

    def __reduce__(self) -> tuple[type[RedirectRefused], tuple[str, str]]:
        return type(self), (str(self), self.location)


class SocketAccessDenied(HTTPError):
    """The socket may not be used: permission denied, or served by an unexpected user.

    Raised by the connection instead of :class:`~urllib3.exceptions.NewConnectionError` when
    retrying cannot help, so ``Retry`` never retries it: urllib3 retries its connect, read and
    protocol errors, and this is none of them. The message names the socket and the cause;
    ``address`` is the socket, and the :class:`unixsocket_url.UnixConnectError`
    (:class:`unixsocket_url.UnexpectedPeer` for a refused server) is chained as ``__cause__``.
    No byte of the request was sent.
    """

    def __init__(self, message: str, address: SocketAddress) -> None:
        super().__init__(message)
        self.address = address

    def __reduce__(self) -> tuple[type[SocketAccessDenied], tuple[str, SocketAddress]]:
        return type(self), (str(self), self.address)


class BrokenResponseHead(http.client.HTTPException):
    """The response head is cut short, or its ``Content-Length`` is not a number, or conflicts.

    Raised while the head is read: urllib3 wraps it in ``ProtocolError("Connection aborted.")``,
    requests in ``requests.ConnectionError``.
    """
