"""The exceptions of unixsocket_url: bad input, and sockets that cannot be reached."""

from __future__ import annotations

from typing import Union

SocketAddress = Union[str, bytes]
"""What ``socket.connect()`` takes for AF_UNIX: a path, or an abstract name with a leading NUL."""


class InvalidURL(ValueError):
    """A UNIX-socket URL (or a part of one) that cannot name a socket and a request."""


class InvalidAddress(InvalidURL):
    """A socket name that no URL can carry: empty, NUL inside a path, abstract name too long."""


class UnixConnectError(OSError):
    """Connecting to a UNIX socket failed; the message names the socket and the cause.

    ``errno`` is the system error (``None`` when the failure is ours, such as a name too long to
    reach), ``address`` is the address that was dialed, and the original ``OSError`` is chained.
    """

    def __init__(self, address: SocketAddress, errno: int | None, message: str) -> None:
        super().__init__(errno, message)
        self.address = address

    def __str__(self) -> str:
        return str(self.strerror)


class UnixConnectTimeout(UnixConnectError, TimeoutError):
    """The connect timeout passed before the server accepted (its listen backlog stayed full)."""
