"""``requests_unixsocket.adapters``, kept for compatibility with requests-unixsocket 0.4.

Code written for the original package imports :class:`UnixAdapter` from here, and code copied
from docker-py's era builds its own pools with ``UnixHTTPConnectionPool(socket_url, timeout=60)``
and connections with ``UnixHTTPConnection(unix_socket_url, timeout=60)``. Those two call shapes
work here on urllib3-unixsocket's pool and connection: one keep-alive connection for every path
of the socket, errors naming the socket. New code uses :class:`requests_unixsocket.Session`, or
:mod:`urllib3_unixsocket`'s classes, which take the socket's address instead of a URL.
"""

from __future__ import annotations

import os
from typing import Any

import urllib3_unixsocket

from ._adapter import UnixAdapter
from ._urls import parse, unix_url

__all__ = ["UnixAdapter", "UnixHTTPConnection", "UnixHTTPConnectionPool"]


class UnixHTTPConnectionPool(urllib3_unixsocket.UnixHTTPConnectionPool):
    """A keep-alive pool for the socket a URL names: ``UnixHTTPConnectionPool(socket_url)``.

    *socket_url* is a URL such as ``http+unix://%2Frun%2Fapp.sock`` (any scheme but
    ``http(s)://`` names a socket, as in 0.4; a path and query in it are ignored); a malformed
    one raises ``requests.exceptions.InvalidURL`` (a ``ValueError``). *timeout* is urllib3's
    (seconds, or a :class:`urllib3.util.Timeout`); other keyword arguments are
    :class:`urllib3_unixsocket.UnixHTTPConnectionPool`'s. ``urlopen`` and ``request`` take a
    path, or a URL of this socket. ``socket_path`` keeps the URL, as 0.4 named it.
    """

    def __init__(self, socket_url: str, timeout: Any = 60, **kwargs: Any) -> None:
        self.socket_path = socket_url
        super().__init__(_address(socket_url), timeout=timeout, **kwargs)


class UnixHTTPConnection(urllib3_unixsocket.UnixHTTPConnection):
    """One HTTP connection to the socket a URL names: ``UnixHTTPConnection(unix_socket_url)``.

    *unix_socket_url* is read as by :class:`UnixHTTPConnectionPool`; *timeout* (seconds) applies
    to connecting and to each read. Other keyword arguments are
    :class:`urllib3_unixsocket.UnixHTTPConnection`'s.
    """

    def __init__(self, unix_socket_url: str, timeout: Any = 60, **kwargs: Any) -> None:
        self.unix_socket_url = unix_socket_url
        super().__init__(_address(unix_socket_url), timeout=timeout, **kwargs)


def _address(url: str) -> bytes:
    """The socket *url* names, as ``bytes``: the exact name, never read again as a spec."""
    return os.fsencode(parse(unix_url(url) or url).address)
