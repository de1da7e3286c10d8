"""The exceptions requests-unixsocket adds to requests' own."""

from __future__ import annotations

from typing import Any

from requests.exceptions import ConnectionError, RequestException


class RedirectRefused(RequestException):
    """A redirect was not followed: it leads into a UNIX socket from another origin.

    Raised for a ``Location`` that goes from an ordinary URL (``http://``, ``https://``) into a
    UNIX socket, or from one socket to a different one. ``location`` is the refused URL,
    ``response`` the redirect response and ``request`` the request that would have been sent.
    Like :class:`requests.TooManyRedirects`, it is a :class:`requests.RequestException`: the
    caller's URL was fine, the server's redirect was not acceptable. Allow such redirects with
    ``Session(allow_socket_redirects=True)``.
    """

    def __init__(self, message: str, *, location: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


class SocketAccessDenied(ConnectionError):
    """The socket may not be used: permission denied, or served by an unexpected user.

    A :class:`requests.ConnectionError` whose message names the socket and the cause, raised
    at once: ``max_retries`` never retries it. ``request`` is the request, of which no byte
    was sent; urllib3's :class:`urllib3_unixsocket.SocketAccessDenied` is chained.
    """
