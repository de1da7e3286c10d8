"""Real servers in other processes, for tests: start, wait until the socket accepts, stop."""

from __future__ import annotations

import contextlib
import subprocess
from typing import TYPE_CHECKING, Any

from ._wait import wait_for_socket

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from unixsocket_url import SocketLike

STOP_TIMEOUT = 10.0
"""Seconds a server process gets to exit after SIGTERM before it is killed."""


@contextlib.contextmanager
def server_process(
    command: Sequence[str],
    socket: SocketLike,
    *,
    timeout: float = 30.0,
    **popen: Any,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run *command* (a server that listens on the UNIX socket *socket*) for a ``with`` block.

    The block starts once a connection to *socket* succeeds (:func:`wait_for_socket`, no fixed
    sleep); if the process exits first, :class:`RuntimeError` says with which code. On exit the
    process gets SIGTERM, then SIGKILL after 10 s. *popen* goes to :class:`subprocess.Popen`
    (standard input is ``/dev/null`` unless given)::

        with server_process(["uvicorn", "app:app", "--uds", path], path):
            ...  # talk to the server at path
    """
    popen.setdefault("stdin", subprocess.DEVNULL)
    with subprocess.Popen(command, **popen) as process:  # noqa: S603 - the caller's command
        try:
            wait_for_socket(socket, timeout, process=process)
            yield process
        finally:
            process.terminate()
            wait_or_kill(process)


def wait_or_kill(process: subprocess.Popen[bytes]) -> None:
    """Wait up to STOP_TIMEOUT for *process* to exit, then kill it."""
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
