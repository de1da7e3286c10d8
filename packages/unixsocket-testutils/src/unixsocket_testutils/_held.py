"""A server on the other end of a socket the test holds: the parent/child ``socketpair``."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from ._process import wait_or_kill

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextlib.contextmanager
def connected_server(app: str | None = None, **popen: Any) -> Iterator[socket.socket]:
    """Serve a WSGI application in a child process on one end of a ``socketpair``; yields the
    other end, a connected socket to hand to a client (which then owns it).

    The child runs ``python -m unixsocket_testutils --fd N`` (``--app MODULE:CALLABLE``, by
    default the demo application) and answers HTTP/1.1 on that one connection until the
    parent's end is closed. On exit the parent's end is closed and the child waited for
    (killed after 10 s). *popen* goes to :class:`subprocess.Popen`::

        with connected_server() as sock:
            session = requests_unixsocket.Session(sockets={"app": sock})
            session.get("http+unix://app/v1/info")
    """
    parent, child = socket.socketpair()
    command = [sys.executable, "-m", "unixsocket_testutils", "--fd", str(child.fileno())]
    if app is not None:
        command += ["--app", app]
    popen.setdefault("stdin", subprocess.DEVNULL)
    try:
        process = subprocess.Popen(command, pass_fds=[child.fileno()], **popen)  # noqa: S603
    except BaseException:
        parent.close()
        raise
    finally:
        child.close()
    with process:
        try:
            yield parent
        finally:
            parent.close()
            wait_or_kill(process)
