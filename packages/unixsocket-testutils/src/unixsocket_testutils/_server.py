"""The test server: a WSGI application served over HTTP/1.1 on a UNIX socket, from threads."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Union

from unixsocket_url import build_url, describe_address

from ._app import hello_app
from ._listener import STOP_TIMEOUT, AbstractArg, Listener
from ._wsgi import ServerContext, serve_connection

if TYPE_CHECKING:
    import socket
    from collections.abc import Iterator, Mapping, Sequence
    from types import TracebackType

    from _typeshed.wsgi import WSGIApplication

    from unixsocket_url import SocketAddress, SocketLike

    from ._records import RecordedRequest

QueryArg = Union[str, "Mapping[str, str]", "Sequence[tuple[str, str]]", None]

_BACKLOG = 128


class UnixSocketServerThread(threading.Thread):
    """An HTTP/1.1 server for a WSGI application on a UNIX socket, run from a thread.

    ``with UnixSocketServerThread() as server:`` listens (connections are accepted as soon as the
    block starts) and stops on exit, removing the socket. By default the socket is ``s.sock``
    in a fresh private (0700) directory under ``/tmp``; *path* binds a given socket instead
    (a socket spec: ``/run/app.sock``, ``unix:///run/app.sock`` or ``@name``),
    and *abstract* a Linux abstract name (``str`` or ``bytes`` without the leading NUL, or
    ``True`` for a random one). Each connection is served by its own thread, with keep-alive.
    """

    def __init__(
        self,
        *,
        app: WSGIApplication | None = None,
        path: SocketLike | None = None,
        abstract: AbstractArg | None = None,
    ) -> None:
        self.app: WSGIApplication = hello_app if app is None else app
        self._listener = Listener(path=path, abstract=abstract)
        self.address: SocketAddress = self._listener.address
        """What ``socket.connect()`` takes: a path, or an abstract name with its leading NUL."""
        self.usock: str = os.fsdecode(self.address)
        """The socket path as ``str`` (the name requests-unixsocket's test server offered)."""
        super().__init__(name=f"unix-server {describe_address(self.address)}", daemon=True)
        self._lock = threading.Lock()
        self._accepted = 0
        self._requests: list[RecordedRequest] = []
        self._errors: list[Exception] = []

    @property
    def url(self) -> str:
        """The base URL of the socket: ``http+unix://<encoded socket>/``."""
        return build_url(os.fsencode(self.address))

    def url_for(self, path: str = "/", query: QueryArg = None) -> str:
        """The URL of *path* (and *query*) on this server."""
        return build_url(os.fsencode(self.address), path, query=query)

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
        self._listener.open(_BACKLOG)
        super().start()

    def run(self) -> None:
        """Accept connections until :meth:`stop`; each is served by a thread of its own."""
        context = ServerContext(self.app, self.address, self._record_request, self._record_error)
        self._listener.accept_loop(lambda conn: self._accept(conn, context))

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop: close the listener and every connection, remove the socket; safe to repeat.

        Idle keep-alive connections are shut down at once; a request in progress gets *timeout*
        seconds to finish.
        """
        self._listener.stop(self, timeout)

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

    def _accept(self, conn: socket.socket, context: ServerContext) -> None:
        with self._lock:
            index = self._accepted
            self._accepted += 1
        self._listener.serve(
            conn,
            lambda: serve_connection(conn, index, context),
            name=f"{self.name} connection {index}",
        )

    def _record_request(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _record_error(self, error: Exception) -> None:
        with self._lock:
            self._errors.append(error)


@contextlib.contextmanager
def serve(
    app: WSGIApplication | None = None,
    *,
    path: SocketLike | None = None,
    abstract: AbstractArg | None = None,
) -> Iterator[UnixSocketServerThread]:
    """Serve *app* (default: the hello-world application) for the duration of a ``with`` block."""
    with UnixSocketServerThread(app=app, path=path, abstract=abstract) as server:
        yield server
