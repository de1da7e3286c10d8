"""Who serves a socket: the credentials Linux records for the peer of a UNIX connection."""

from __future__ import annotations

import socket
import struct
import sys
from dataclasses import dataclass

_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid

SUPPORTED = sys.platform.startswith("linux")
"""Whether :func:`peer_credentials` works here (``SO_PEERCRED`` is read as Linux lays it out)."""


@dataclass(frozen=True)
class PeerCredentials:
    """The process at the other end of a UNIX connection, as the kernel saw it then.

    The server's pid, uid and gid when it called ``listen()`` (a server that forks or drops
    privileges afterwards still shows those).
    """

    pid: int
    uid: int
    gid: int


def peer_credentials(sock: socket.socket) -> PeerCredentials:
    """The credentials of the peer of the connected AF_UNIX socket *sock* (``SO_PEERCRED``).

    Linux only: raises :class:`NotImplementedError` elsewhere. A socket that is not connected
    reads as pid 0, uid and gid -1.
    """
    if not SUPPORTED:
        raise NotImplementedError(
            f"peer credentials (SO_PEERCRED) are read on Linux only, not on {sys.platform}"
        )
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    return PeerCredentials(*_UCRED.unpack(raw))
