"""Waiting for a server started elsewhere (another process) to accept connections."""

from __future__ import annotations

import contextlib
import subprocess
import time
from typing import TYPE_CHECKING, Any

from unixsocket_url import connect, describe_address, normalize_address

if TYPE_CHECKING:
    from unixsocket_url import SocketLike

FIRST_DELAY = 0.001
"""Seconds between the first connection attempts; doubled after each one up to MAX_DELAY."""
MAX_DELAY = 0.05


def wait_for_socket(
    socket: SocketLike,
    timeout: float = 10.0,
    *,
    process: subprocess.Popen[Any] | None = None,
) -> None:
    """Return once a connection to the UNIX socket *socket* succeeds (it is closed at once).

    For servers started as processes (``uvicorn --uds PATH``): there is no event to wait on, so
    this tries to connect with a short back-off (1 ms doubling to 50 ms). Abstract names start
    with NUL. Raises :class:`TimeoutError` naming the socket and the last error after *timeout*
    seconds, or :class:`RuntimeError` as soon as *process* (the server) has exited.
    """
    address = normalize_address(socket)
    deadline = time.monotonic() + timeout
    delay = FIRST_DELAY
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"the server process {process.pid} exited with code {process.returncode} before "
                f"UNIX socket '{describe_address(address)}' accepted a connection"
            )
        try:
            connect(address, timeout=max(deadline - time.monotonic(), delay)).close()
        except OSError as exc:
            error = exc
        else:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(
                f"UNIX socket '{describe_address(address)}' accepted no connection within "
                f"{timeout:g} s; last error: {error}"
            ) from error
        pause = min(delay, remaining)
        if process is None:
            time.sleep(pause)
        else:  # the same pause, cut short if the server exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(pause)
        delay = min(delay * 2, MAX_DELAY)
