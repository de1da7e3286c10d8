"""The core both servers share: the address, the listening socket and its accept loop, the
threads serving connections, and the clean-up at stop.

Life cycle: ``Listener(...)`` only chooses the address; :meth:`Listener.open` makes the private
directory and listens; :meth:`Listener.accept_loop` runs in the server's thread until
:meth:`Listener.stop`, which closes everything and removes the socket file if it is still ours.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import selectors
import shutil
import socket
import stat
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Callable, Union

from unixsocket_url import describe_address, is_abstract, normalize_address, parse_socket

if TYPE_CHECKING:
    from unixsocket_url import SocketAddress, SocketLike

AbstractArg = Union[str, bytes, bool]

STOP_TIMEOUT = 5.0
"""Seconds a server's ``stop()`` waits, in all, for the threads serving connections."""
ABSTRACT_PREFIX = "unixsocket-testutils-"
"""How random abstract names (``abstract=True``) begin, after the leading NUL."""
DIRECTORY_PREFIX = "us-"
"""How the private directories of default sockets are named, under ``/tmp``."""
TCP_HOST = "127.0.0.1"
_BACKLOG_PROBE = 0.25
"""Seconds a TCP connect may take before :meth:`Listener.connect_idle` calls the backlog full:
on loopback a handshake takes microseconds, unless the listener's queue drops the SYN."""


def choose_address(
    path: SocketLike | None, abstract: AbstractArg | None
) -> tuple[SocketAddress, str | None]:
    """The socket address, and the private directory to create for it (``None``: none)."""
    if abstract is not None and abstract is not False:
        if path is not None:
            raise ValueError("give either path or abstract, not both")
        name = ABSTRACT_PREFIX + secrets.token_hex(8) if abstract is True else abstract
        return normalize_address("\0" + name if isinstance(name, str) else b"\0" + name), None
    if path is not None:
        return parse_socket(path), None
    directory = os.path.join(_short_temp_dir(), DIRECTORY_PREFIX + secrets.token_hex(6))
    return os.path.join(directory, "s.sock"), directory


class Listener:
    """A listening socket (UNIX, or loopback TCP with *tcp*) and the connections it accepted."""

    def __init__(
        self,
        *,
        path: SocketLike | None = None,
        abstract: AbstractArg | None = None,
        tcp: bool = False,
    ) -> None:
        if tcp and (path is not None or abstract not in (None, False)):
            raise ValueError("a TCP server listens on 127.0.0.1: give no path or abstract")
        self.tcp = tcp
        self.address: SocketAddress = ""
        """What ``socket.connect()`` takes (``""`` for a TCP server)."""
        self._directory: str | None = None
        if not tcp:
            self.address, self._directory = choose_address(path, abstract)
        self.port = 0
        """The TCP port, once listening (0 for a UNIX socket)."""
        self.stopping = threading.Event()
        """Set when :meth:`stop` begins."""
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._wakeup: tuple[socket.socket, socket.socket] | None = None
        self._identity: tuple[int, int] | None = None
        self._connections: dict[threading.Thread, socket.socket] = {}

    def describe(self) -> str:
        """The socket as messages name it (``@name`` for abstract names), or ``host:port``."""
        return f"{TCP_HOST}:{self.port}" if self.tcp else describe_address(self.address)

    def open(self, backlog: int) -> None:
        """Create the private directory (if any), bind and listen: connections succeed now."""
        if self._sock is not None or self.stopping.is_set():
            raise RuntimeError(f"server {self.describe()} was started (or stopped) already")
        sock = socket.socket(socket.AF_INET if self.tcp else socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            if self._directory is not None:
                os.mkdir(self._directory, 0o700)
            if self.tcp:
                sock.bind((TCP_HOST, 0))
                self.port = sock.getsockname()[1]
            else:
                sock.bind(self.address)
                if not is_abstract(self.address):
                    info = os.lstat(self.address)
                    self._identity = (info.st_dev, info.st_ino)
            sock.listen(backlog)
        except BaseException:
            sock.close()
            self._remove_socket()
            raise
        sock.setblocking(False)
        self._sock = sock
        self._wakeup = socket.socketpair()

    def accept_loop(
        self, accepted: Callable[[socket.socket], None], accepting: threading.Event | None = None
    ) -> None:
        """Pass each new connection to *accepted* until :meth:`stop`; while *accepting* is clear,
        connections wait in the backlog (:meth:`wake` makes the loop look at it again)."""
        if self._sock is None or self._wakeup is None:
            raise RuntimeError("call start(), which binds the socket, rather than run()")
        listener, wakeup = self._sock, self._wakeup[0]
        with selectors.DefaultSelector() as selector:
            selector.register(wakeup, selectors.EVENT_READ)
            listening = False
            while not self.stopping.is_set():
                if not listening and (accepting is None or accepting.is_set()):
                    selector.register(listener, selectors.EVENT_READ)
                    listening = True
                ready = {key.fileobj for key, _ in selector.select()}
                if wakeup in ready:
                    wakeup.recv(64)
                if listener in ready and not self.stopping.is_set():
                    with contextlib.suppress(BlockingIOError):  # the client gave up already
                        conn, _ = listener.accept()
                        conn.setblocking(True)
                        accepted(conn)

    def wake(self) -> None:
        """Make the accept loop look at its *accepting* event (and at :attr:`stopping`) again."""
        if self._wakeup is not None:
            self._wakeup[1].send(b"\0")

    def serve(self, conn: socket.socket, target: Callable[[], None], name: str) -> None:
        """Run *target* in a thread of its own that owns *conn*: :meth:`stop` shuts *conn* down
        and waits for the thread; *conn* is closed when *target* returns."""
        worker = threading.Thread(target=self._serve, args=(target,), name=name, daemon=True)
        with self._lock:
            self._connections[worker] = conn
        worker.start()

    def replace_connection(self, conn: socket.socket) -> None:
        """From a connection's thread: *conn* (a TLS wrapper, say) now stands for its socket."""
        with self._lock:
            self._connections[threading.current_thread()] = conn

    def close_connection(self) -> None:
        """From a connection's thread: close its socket now (later calls do nothing)."""
        with self._lock:  # stop() shuts connections down under the same lock
            conn = self._connections.pop(threading.current_thread(), None)
            if conn is not None:
                conn.close()

    def connect_idle(self) -> socket.socket | None:
        """A client connection left waiting in the listen backlog; ``None`` once it is full."""
        if self.tcp:
            client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            client.settimeout(_BACKLOG_PROBE)  # a full queue drops the SYN: connect() waits
            target: SocketAddress | tuple[str, int] = (TCP_HOST, self.port)
        else:
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.setblocking(False)  # a full backlog answers EAGAIN at once
            target = self.address
        try:
            client.connect(target)
        except (BlockingIOError, socket.timeout):
            client.close()
            return None
        except BaseException:
            client.close()
            raise
        return client

    def stop(self, loop: threading.Thread, timeout: float = STOP_TIMEOUT) -> None:
        """Stop *loop* (the thread running :meth:`accept_loop`), close the listener, shut every
        connection down, wait up to *timeout* seconds in all for their threads, and remove the
        socket file (if it is still the one bound here) and the private directory. Once only:
        later calls do nothing."""
        with self._lock:
            if self.stopping.is_set():
                return
            self.stopping.set()
        deadline = time.monotonic() + timeout
        if self._wakeup is not None:
            self.wake()
            if loop.ident is not None and loop is not threading.current_thread():
                loop.join(timeout)
            for end in self._wakeup:
                end.close()
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            for conn in self._connections.values():
                with contextlib.suppress(OSError):  # the client may have gone already
                    conn.shutdown(socket.SHUT_RDWR)
            workers = list(self._connections)
        for worker in workers:
            if worker is not threading.current_thread():  # stop() called by a connection
                worker.join(max(deadline - time.monotonic(), 0))
        self._remove_socket()

    def _serve(self, target: Callable[[], None]) -> None:
        try:
            target()
        finally:
            self.close_connection()

    def _remove_socket(self) -> None:
        """Unlink the socket file, if it is still the one bound here, and the private directory."""
        if self._identity is not None:
            with contextlib.suppress(FileNotFoundError):
                info = os.lstat(self.address)
                if stat.S_ISSOCK(info.st_mode) and (info.st_dev, info.st_ino) == self._identity:
                    os.unlink(self.address)
            self._identity = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)


def _short_temp_dir() -> str:
    """``/tmp`` when usable: socket paths must stay under 108 bytes, and $TMPDIR may be long."""
    if os.path.isdir("/tmp") and os.access("/tmp", os.W_OK | os.X_OK):  # noqa: S108
        return "/tmp"  # noqa: S108
    return tempfile.gettempdir()
