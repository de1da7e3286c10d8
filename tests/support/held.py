"""Sockets a program holds: passed from another process over SCM_RIGHTS."""

from __future__ import annotations

import socket


def over_scm_rights(sock: socket.socket) -> socket.socket:
    """*sock* as a process receives it from another: its descriptor sent with SCM_RIGHTS
    through a UNIX socket, and the received descriptor returned as a new socket object. *sock*
    itself is closed, so the received one is the only way left to the connection."""
    sender, receiver = socket.socketpair()
    with sender, receiver:
        socket.send_fds(sender, [b"fd"], [sock.fileno()])
        _, fds, _, _ = socket.recv_fds(receiver, 16, 1)
    sock.close()
    return socket.socket(fileno=fds[0])
