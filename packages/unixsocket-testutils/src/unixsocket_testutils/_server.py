"""The test server: a WSGI application served over HTTP/1.1 on a UNIX socket, from threads."""

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
from typing import TYPE_CHECKING, Union

from unixsocket_url import build_url, describe_address, normalize_address

from ._app import hello_app
from ._wsgi import ServerContext, serve_connection

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import TracebackType

    from _typeshed.wsgi import WSGIApplication

    from unixsocket_url import SocketAddress

    from ._records import RecordedRequest

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
AbstractArg = Union[str, bytes, bool]
QueryArg = Union[str, "Mapping[str, str]", "Sequence[tuple[str, str]]", None]

STOP_TIMEOUT = 5.0
"""Seconds :meth:`UnixSocketServerThread.stop` waits for the threads serving connections."""
_BACKLOG = 128


class UnixSocketServerThread(threading.Thread):
    """An HTTP/1.1 server for a WSGI application on a UNIX socket, run from a thread.

    ``with UnixSocketServerThread() as server:`` listens (connections are accepted as soon as the
    block starts) and stops on exit, removing the socket. By default the socket is ``s.sock``
    in a fresh private (0700) directory under ``/tmp``; *path* binds a given file path instead,
    and *abstract* a Linux abstract name (``str`` or ``bytes`` without the leading NUL, or
    ``True`` for a random one). Each connection is served by its own thread, with keep-alive.
    """

    def __init__(
        self,
        *,
        app: WSGIApplication | None = None,
        path: PathArg | None = None,
        abstract: AbstractArg | None = None,
    ) -> None:
        self.app: WSGIApplication = hello_app if app is None else app
        self._directory: str | None = None
        address: PathArg
        if abstract is not None and abstract is not False:
            if path is not None:
                raise ValueError("give either path or abstract, not both")
            if abstract is True:
                address = "\0unixsocket-testutils-" + secrets.token_hex(8)
            else:
                address = "\0" + abstract if isinstance(abstract, str) else b"\0" + abstract
        elif path is not None:
            address = path
        else:
            self._directory = os.path.join(_short_temp_dir(), "us-" + secrets.token_hex(6))
            address = os.path.join(self._directory, "s.sock")
        self.address: SocketAddress = normalize_address(address)
        """What ``socket.connect()`` takes: a path, or an abstract name with its leading NUL."""
        self.usock: str = os.fsdecode(self.address)
        """The socket path as ``str`` (the name requests-unixsocket's test server offered)."""
        super().__init__(name=f"unix-server {describe_address(self.address)}", daemon=True)
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._wakeup: tuple[socket.socket, socket.socket] | None = None
        self._identity: tuple[int, int] | None = None
        self._stopped = False
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._accepted = 0
        self._requests: list[RecordedRequest] = []
        self._errors: list[Exception] = []

    @property
    def url(self) -> str:
        """The base URL of the socket: ``http+unix://<encoded socket>/``."""
        return build_url(self.address)

    def url_for(self, path: str = "/", query: QueryArg = None) -> str:
        """The URL of *path* (and *query*) on this server."""
        return build_url(self.address, path, query=query)

    @property
    def accepted_connections(self) -> int:
        """How many connections the server accepted (since the last :meth:`reset`)."""
        with self._lock:
            return self._accepted

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received, oldest first.

        A request is recorded before the first byte of its response is sent.
        """
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[Exception]:
        """A snapshot of the exceptions the application raised (answered 500 if it can be)."""
        with self._lock:
            return list(self._errors)

    def reset(self) -> None:
        """Forget the recorded requests and errors, and count connections from zero again."""
        with self._lock:
            self._accepted = 0
            self._requests.clear()
            self._errors.clear()

    def start(self) -> None:
        """Listen on the socket, then serve from the thread: connections succeed from now on."""
        if self._directory is not None:
            os.mkdir(self._directory, 0o700)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.address)
            listener.listen(_BACKLOG)
            if not self.usock.startswith("\0"):
                info = os.lstat(self.address)
                self._identity = (info.st_dev, info.st_ino)
        except BaseException:
            listener.close()
            self._remove_socket()
            raise
        listener.setblocking(False)
        self._listener = listener
        self._wakeup = socket.socketpair()
        super().start()

    def run(self) -> None:
        """Accept connections until :meth:`stop`; each is served by a thread of its own."""
        if self._listener is None or self._wakeup is None:
            raise RuntimeError("call start(), which binds the socket, rather than run()")
        context = ServerContext(self.app, self.address, self._record_request, self._record_error)
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wakeup[0], selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wakeup[0] in ready:
                    return
                self._accept(self._listener, context)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop: close the listener and every connection, remove the socket; safe to repeat.

        Idle keep-alive connections are shut down at once; a request in progress gets *timeout*
        seconds to finish.
        """
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        deadline = time.monotonic() + timeout
        if self._wakeup is not None:
            self._wakeup[1].send(b"\0")
            self.join(timeout)
            for end in self._wakeup:
                end.close()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(OSError):  # the client may have gone already
                    conn.shutdown(socket.SHUT_RDWR)
            workers = list(self._workers)
        for worker in workers:
            if worker is not threading.current_thread():  # stop() called by the application
                worker.join(max(deadline - time.monotonic(), 0))
        self._remove_socket()

    def __enter__(self) -> UnixSocketServerThread:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept(self, listener: socket.socket, context: ServerContext) -> None:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:  # the client gave up before we got to it
            return
        conn.setblocking(True)
        with self._lock:
            index = self._accepted
            self._accepted += 1
            self._connections.add(conn)
            worker = threading.Thread(
                target=self._serve,
                args=(conn, index, context),
                name=f"{self.name} connection {index}",
                daemon=True,
            )
            self._workers.add(worker)
        worker.start()

    def _serve(self, conn: socket.socket, index: int, context: ServerContext) -> None:
        try:
            serve_connection(conn, index, context)
        finally:
            with self._lock:  # stop() shuts connections down under the same lock
                self._connections.discard(conn)
                self._workers.discard(threading.current_thread())
                conn.close()

    def _record_request(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _record_error(self, error: Exception) -> None:
        with self._lock:
            self._errors.append(error)

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


@contextlib.contextmanager
def serve(
    app: WSGIApplication | None = None,
    *,
    path: PathArg | None = None,
    abstract: AbstractArg | None = None,
) -> Iterator[UnixSocketServerThread]:
    """Serve *app* (default: the hello-world application) for the duration of a ``with`` block."""
    with UnixSocketServerThread(app=app, path=path, abstract=abstract) as server:
        yield server


def _short_temp_dir() -> str:
    """``/tmp`` when usable: socket paths must stay under 108 bytes, and $TMPDIR may be long."""
    if os.path.isdir("/tmp") and os.access("/tmp", os.W_OK | os.X_OK):  # noqa: S108
        return "/tmp"  # noqa: S108
    return tempfile.gettempdir()
