"""Reaching a UNIX socket: one connect procedure for sync and async callers alike.

:class:`ConnectAttempt` does no waiting itself: ``step()`` tries to connect and returns how long
to wait before the next try (the listen backlog is full) or ``None`` once connected. The caller
sleeps the way its world sleeps (``time.sleep``, ``await anyio.sleep``), so the backoff, the long
path trick and the error messages are written once.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import sys
import time
from typing import TYPE_CHECKING

from ._address import (
    MAX_BSD_PATH,
    MAX_DIRECT_PATH,
    SocketLike,
    describe_address,
    is_abstract,
    normalize_address,
)
from ._errors import SocketAddress, UnexpectedPeer, UnixConnectError, UnixConnectTimeout
from ._peer import SUPPORTED as PEERCRED_SUPPORTED
from ._peer import PeerCredentials, peer_credentials
from ._target import SocketTarget

if TYPE_CHECKING:
    from types import TracebackType

FIRST_BACKOFF = 0.001
"""Seconds to wait after the first refusal for a full backlog; doubled up to MAX_BACKOFF."""
MAX_BACKOFF = 0.05


class ConnectAttempt:
    """One connection to *address*, within *timeout* seconds (``None``: no limit).

    Drive it with ``step()`` until it returns ``None``, then ``detach()`` the connected,
    non-blocking socket (or call ``run()``, which does both with ``time.sleep``). ``step()``
    raises :class:`UnixConnectError` (or :class:`UnixConnectTimeout`) naming the socket; the
    socket is closed by then. Use it as a context manager, or call ``close()``, so an abandoned
    attempt (cancelled) closes too.

    Once connected, ``peer_credentials`` holds the server's :class:`PeerCredentials` (``None``
    where ``SO_PEERCRED`` is not available). With *expected_peer_uid*, a server run by another
    user is refused as soon as the connection is made: the socket is closed and
    :class:`UnexpectedPeer` raised, before the caller could send a byte (Linux only; elsewhere
    the constructor raises :class:`NotImplementedError`). Where CPython has no ``AF_UNIX``
    (Windows), the constructor raises :class:`UnixConnectError` saying so.

    *address* may also be a :class:`SocketTarget`: its address is dialed, with its name beside
    the socket in messages (``'docker (/var/run/docker.sock)'``); a held socket or a connect
    callable is opened (:meth:`SocketTarget.open`) in the first ``step()``, then its peer is
    checked like a dialed one's.
    """

    def __init__(
        self,
        address: SocketLike | SocketTarget,
        timeout: float | None = None,
        *,
        expected_peer_uid: int | None = None,
    ) -> None:
        target = address if isinstance(address, SocketTarget) else None
        self._opened = None if target is None or target.address is not None else target
        """A held socket or connect callable, opened instead of dialing an address."""
        if isinstance(address, SocketTarget):
            address = address.address if address.address is not None else address.name or ""
        if not hasattr(socket, "AF_UNIX"):
            raise UnixConnectError(
                os.fsdecode(address),
                None,
                f"cannot connect to a UNIX socket: CPython on {sys.platform} has no AF_UNIX "
                "sockets (Windows' own AF_UNIX is not exposed to Python)",
            )
        if expected_peer_uid is not None and not PEERCRED_SUPPORTED:
            raise NotImplementedError(
                f"expected_peer_uid needs SO_PEERCRED, which is read on Linux only, not on "
                f"{sys.platform}"
            )
        self.address: SocketAddress = (
            normalize_address(address) if self._opened is None else os.fsdecode(address)
        )
        self.timeout = timeout
        self.expected_peer_uid = expected_peer_uid
        self._shown = describe_address(self.address) if target is None else target.shown
        self.peer_credentials: PeerCredentials | None = None
        """The server's credentials, once connected (``None`` before, or without SO_PEERCRED)."""
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._backoff = FIRST_BACKOFF
        self._sock: socket.socket | None = None
        self._dir_fd: int | None = None
        self._target: SocketAddress = self.address
        self._connected = False

    def step(self) -> float | None:
        """Try to connect: ``None`` when connected, else the seconds to wait before trying again."""
        if self._connected:
            return None
        if self._opened is not None:
            self._open(self._opened)
            return None
        try:
            if self._sock is None:
                self._target = self._reachable_target()
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._sock.setblocking(False)
            self._sock.connect(self._target)
        except BlockingIOError as exc:  # EAGAIN: the listen backlog is full
            return self._wait_for_backlog(exc)
        except UnixConnectError:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise UnixConnectError(
                self.address, exc.errno, _message(self._shown, _reason(self.address, exc))
            ) from exc
        self._close_dir()
        if PEERCRED_SUPPORTED:
            self._check_peer(self._sock)
        self._connected = True
        return None

    def _open(self, source: SocketTarget) -> None:
        self._sock = source.open()
        self._sock.setblocking(False)
        if PEERCRED_SUPPORTED:
            self._check_peer(self._sock)
        self._connected = True

    def run(self) -> socket.socket:
        """Connect, sleeping (``time.sleep``) while the backlog is full: the blocking way to
        drive ``step()``. Returns the detached socket with ``settimeout(timeout)`` applied."""
        while (delay := self.step()) is not None:
            time.sleep(delay)
        sock = self.detach()
        sock.settimeout(self.timeout)
        return sock

    def detach(self) -> socket.socket:
        """Hand over the connected socket (non-blocking); the attempt no longer owns it."""
        if not self._connected or self._sock is None:
            raise RuntimeError("detach() before step() returned None")
        sock, self._sock = self._sock, None
        return sock

    def close(self) -> None:
        """Close what the attempt still owns; safe to call more than once."""
        self._close_dir()
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> ConnectAttempt:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_peer(self, sock: socket.socket) -> None:
        """Record the server's credentials; refuse (close, raise) an unexpected user."""
        peer = self.peer_credentials = peer_credentials(sock)
        expected = self.expected_peer_uid
        if expected is not None and peer.uid != expected:
            self.close()
            raise UnexpectedPeer(
                self.address,
                _message(
                    self._shown,
                    f"it is served by uid {peer.uid} (pid {peer.pid}), not by the expected uid "
                    f"{expected}; nothing was sent",
                ),
                expected_uid=expected,
                peer=peer,
            )

    def _wait_for_backlog(self, exc: OSError) -> float:
        now = time.monotonic()
        if self._deadline is not None and now >= self._deadline:
            self.close()
            raise UnixConnectTimeout(
                self.address,
                errno.ETIMEDOUT,
                _message(
                    self._shown,
                    f"timed out after {self.timeout:g} s: the server's listen backlog stayed "
                    "full (it is not accepting connections)",
                ),
            ) from exc
        delay = self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)
        return delay if self._deadline is None else min(delay, self._deadline - now)

    def _reachable_target(self) -> SocketAddress:
        """The address to pass to connect(): paths over 107 bytes go through a directory fd."""
        raw = os.fsencode(self.address)
        linux = sys.platform.startswith("linux")
        if is_abstract(raw) or len(raw) <= (MAX_DIRECT_PATH if linux else MAX_BSD_PATH):
            return self.address
        directory, name = os.path.split(raw)
        if not linux or not os.path.isdir("/proc/self/fd"):
            raise UnixConnectError(
                self.address,
                errno.ENAMETOOLONG,
                _message(
                    self._shown,
                    f"the path is {len(raw)} bytes; {sys.platform} takes at most "
                    f"{MAX_DIRECT_PATH if linux else MAX_BSD_PATH} (Linux reaches longer "
                    "paths through a directory descriptor)",
                ),
            )
        try:
            self._dir_fd = os.open(directory or b".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise UnixConnectError(
                self.address, exc.errno, _message(self._shown, _reason(self.address, exc))
            ) from exc
        target = b"/proc/self/fd/%d/%s" % (self._dir_fd, name)
        if len(target) > MAX_DIRECT_PATH:
            raise UnixConnectError(
                self.address,
                errno.ENAMETOOLONG,
                _message(self._shown, f"the file name alone is {len(name)} bytes, too long"),
            )
        return target

    def _close_dir(self) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


def connect(
    address: SocketLike | SocketTarget,
    timeout: float | None = None,
    *,
    expected_peer_uid: int | None = None,
) -> socket.socket:
    """Connect a blocking AF_UNIX stream socket to *address* (with ``settimeout(timeout)``).

    A full listen backlog is retried with a short backoff (1 ms doubling to 50 ms) until
    *timeout*, then :class:`UnixConnectTimeout`; every other failure raises
    :class:`UnixConnectError` at once. With *expected_peer_uid*, a socket served by another
    user raises :class:`UnexpectedPeer` (see :class:`ConnectAttempt`). No socket is left open
    on failure. *address* may be a :class:`SocketTarget` (see :class:`ConnectAttempt`).
    """
    with ConnectAttempt(address, timeout, expected_peer_uid=expected_peer_uid) as attempt:
        return attempt.run()


def _message(shown: str, reason: str) -> str:
    return f"cannot connect to UNIX socket '{shown}': {reason}"


_PERMISSION = (
    "permission denied (connecting needs write permission on the socket file and search "
    "permission on every directory above it)"
)
_REASONS = {
    errno.ENOENT: "no such file or directory (is the server running?)",
    errno.EACCES: _PERMISSION,
    errno.EPERM: _PERMISSION,
    errno.EPROTOTYPE: "wrong socket type (the server's socket is not a stream socket)",
    errno.ENOTDIR: "a component of the path is not a directory",
}


def _reason(address: SocketAddress, exc: OSError) -> str:
    abstract = is_abstract(address)
    if abstract and not sys.platform.startswith("linux"):
        return f"abstract socket names exist only on Linux ({exc.strerror})"
    if exc.errno == errno.ECONNREFUSED:
        if abstract:
            return "connection refused (nothing is listening on that abstract name)"
        return "connection refused " + _refused_why(address)
    reason = _REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    if exc.errno == errno.ENOENT:
        reason += _plus_hint(address)
    return reason


def _plus_hint(address: SocketAddress) -> str:
    """For a missing name with a ``+``: ``quote_plus`` writes spaces as ``+``, which a
    UNIX-socket URL reads as a literal plus (as the original requests-unixsocket did)."""
    name = os.fsdecode(address)
    if "+" not in name:
        return ""
    spaced = name.replace("+", " ")
    found = f"{describe_address(spaced)!r} exists, but " if _is_socket(spaced) else ""
    return (
        f"; {found}a '+' in a UNIX-socket URL is a literal plus: write a space as %20 "
        "(quote_plus writes '+'), or build the URL with unixsocket_url.build_url()"
    )


def _is_socket(address: SocketAddress) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(address).st_mode)
    except (OSError, ValueError):
        return False


def _refused_why(address: SocketAddress) -> str:
    try:
        mode = os.stat(address).st_mode
    except OSError:
        return "(nothing is listening)"
    if stat.S_ISSOCK(mode):
        return "(stale socket file? nothing is listening on it)"
    kinds = {stat.S_ISDIR: "a directory", stat.S_ISREG: "a regular file", stat.S_ISFIFO: "a FIFO"}
    kind = next((name for test, name in kinds.items() if test(mode)), "something else")
    return f"(the path exists but is {kind}, not a socket)"
