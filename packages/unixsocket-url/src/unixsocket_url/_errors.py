"""The exceptions of unixsocket_url: bad input, and sockets that cannot be reached."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from ._peer import PeerCredentials

SocketAddress = Union[str, bytes]
"""What ``socket.connect()`` takes for AF_UNIX: a path, or an abstract name with a leading NUL."""

_DENIED = frozenset({errno.EACCES, errno.EPERM})


class InvalidURL(ValueError):
    """A UNIX-socket URL (or a part of one) that cannot name a socket and a request."""


class InvalidAddress(InvalidURL):
    """A socket name that no URL can carry: empty, NUL inside a path, abstract name too long."""


class InvalidSocket(ValueError):
    """A socket object that cannot carry HTTP: not AF_UNIX, not a stream socket, not connected."""


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

    @property
    def retryable(self) -> bool:
        """Whether another attempt may succeed: ``False`` for permission denied (``EACCES``,
        ``EPERM``) and for :class:`UnexpectedPeer`, which the next attempt would meet again."""
        return self.errno not in _DENIED


class UnexpectedPeer(UnixConnectError):
    """The socket is served by a user other than the expected one; nothing was sent to it.

    ``expected_uid`` is the uid asked for, ``peer`` the :class:`PeerCredentials` of the server
    that answered. Never retryable; ``errno`` is ``None``.
    """

    def __init__(
        self, address: SocketAddress, message: str, *, expected_uid: int, peer: PeerCredentials
    ) -> None:
        super().__init__(address, None, message)
        self.expected_uid = expected_uid
        self.peer = peer

    @property
    def retryable(self) -> bool:
        """Always ``False``: the server's user does not change between attempts."""
        return False


class UnixConnectTimeout(UnixConnectError, TimeoutError):
    """The connect timeout passed before the server accepted (its listen backlog stayed full)."""
