"""A scripted server: the test supplies the bytes and the timing, for faults real servers avoid.

Each accepted connection goes to a *behaviour* (``Connection -> None``) run in a thread of its
own; the default behaviour answers every request with a *respond* function
(``RecordedRequest -> Reply``). Behaviours wait on :meth:`Connection.wait`, which returns at
once when the server stops, so a stop never hangs and no test sleeps.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Callable

from unixsocket_url import build_url

from ._listener import STOP_TIMEOUT, TCP_HOST, Listener
from ._protocol import ConnectionLost, ProtocolError, RequestBody, read_head
from ._records import RecordedRequest

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from _typeshed import WriteableBuffer

    from unixsocket_url import SocketAddress, SocketLike

    from ._listener import AbstractArg
    from ._protocol import RequestHead
    from ._server import QueryArg


@dataclass
class Reply:
    """A response for :class:`ScriptedServer`'s *respond* function; ``Content-Length`` is added
    unless *headers* has one (or a ``Transfer-Encoding``)."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def render(self, *, head_only: bool = False) -> bytes:
        """The response's bytes; *head_only* leaves the body out (an answer to ``HEAD``)."""
        names = {name.lower() for name, _ in self.headers}
        headers = list(self.headers)
        if not names & {"content-length", "transfer-encoding"}:
            headers.append(("Content-Length", str(len(self.body))))
        return response_head(self.status, headers) + (b"" if head_only else self.body)


def response_head(status: int, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """A status line and *headers*, up to and including the blank line."""
    lines = [f"HTTP/1.1 {status} {_phrase(status)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def echo(request: RecordedRequest) -> Reply:
    """Answer ``200`` with the request's method and target as the body."""
    return Reply(body=f"{request.method} {request.target}".encode())


class Connection:
    """One accepted connection, as a behaviour sees it: read requests, send bytes, wait.

    Everything read is recorded, byte for byte, in :attr:`ScriptedServer.received`.
    """

    def __init__(self, sock: socket.socket, index: int, server: ScriptedServer) -> None:
        self.sock = sock
        """The accepted socket (TLS-wrapped with the server's *ssl_context*)."""
        self.index = index
        """0 for the first connection the server accepted, and so on."""
        self.server = server
        self.requests_read = 0
        """Requests read on this connection so far."""
        self._rfile = io.BufferedReader(_Recorder(sock, server._received[index], server._lock))

    def read_request(self) -> RecordedRequest | None:
        """Read a whole request (answering ``Expect: 100-continue``) and record it; ``None``
        when the client closed the connection (or sent something that is not HTTP)."""
        head = self.read_head()
        if head is None:
            return None
        body = RequestBody(self._rfile, head, lambda: self.send(response_head(100)))
        try:
            body.drain()
        except (ProtocolError, ConnectionLost):
            return None
        request = RecordedRequest.of(head, body.received, self.index)
        self.server._record(request)
        return request

    def read_head(self) -> RequestHead | None:
        """Read a request line and headers only (the body stays unread); ``None`` at the end."""
        try:
            head = read_head(self._rfile)
        except (ProtocolError, ConnectionLost):
            return None
        if head is not None:
            self.requests_read += 1
        return head

    def read_some(self, size: int = 65536) -> bytes:
        """Up to *size* bytes, whatever comes next (``b""`` at the end of the stream)."""
        try:
            return self._rfile.read1(size)
        except OSError:
            return b""

    def send(self, data: bytes) -> None:
        """Send *data* whole; raises :class:`OSError` if the client went away."""
        self.sock.sendall(data)

    def reply(self, reply: Reply, request: RecordedRequest | None = None) -> None:
        """Send *reply*, without a body when *request* was a ``HEAD``."""
        self.send(reply.render(head_only=request is not None and request.method == "HEAD"))

    def wait(self, seconds: float | None = None) -> bool:
        """Wait *seconds* (``None``: until the server stops); True when the server is stopping."""
        return self.server.stopping.wait(seconds)

    def close(self) -> None:
        """Close the connection now (the server counts it in ``closed_connections``)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


Behaviour = Callable[[Connection], None]
Respond = Callable[[RecordedRequest], Reply]


def serving(respond: Respond) -> Behaviour:
    """The behaviour that answers every request with ``respond(request)``, with keep-alive."""

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            conn.reply(respond(request), request)
            if request.header("Connection") == "close":
                return

    return behaviour


class ScriptedServer:
    """A raw HTTP server on a UNIX socket (or loopback TCP) whose connections run a script.

    Give *respond* (``RecordedRequest -> Reply``: keep-alive HTTP/1.1) or a *behaviour* for
    each connection (see :mod:`unixsocket_testutils.faults` for ready-made ones). The socket is
    ``s.sock`` in a fresh private directory unless *path* or *abstract* says otherwise; *tcp*
    listens on ``127.0.0.1`` instead; *ssl_context* wraps each connection in TLS. With
    ``accepting=False`` connections wait in the listen backlog (of *backlog*) until
    :meth:`start_accepting`; :meth:`fill_backlog` fills it. Use as a context manager (or call
    :meth:`start` and :meth:`stop`), like :class:`UnixSocketServerThread`.
    """

    def __init__(
        self,
        respond: Respond | None = None,
        *,
        behaviour: Behaviour | None = None,
        path: SocketLike | None = None,
        abstract: AbstractArg | None = None,
        tcp: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        backlog: int = 16,
        accepting: bool = True,
    ) -> None:
        if respond is not None and behaviour is not None:
            raise ValueError("give either respond or behaviour, not both")
        self.behaviour: Behaviour = behaviour or serving(respond or echo)
        self.ssl_context = ssl_context
        self._backlog = backlog
        self._accepting = threading.Event()
        if accepting:
            self._accepting.set()
        self._listener = Listener(path=path, abstract=abstract, tcp=tcp)
        self.address: SocketAddress = self._listener.address
        """What ``socket.connect()`` takes (``""`` for a TCP server)."""
        self.stopping = self._listener.stopping
        """Set when :meth:`stop` begins: behaviours waiting in :meth:`Connection.wait` return."""
        self._thread = threading.Thread(
            target=self._listener.accept_loop,
            args=(self._accept, self._accepting),
            daemon=True,
        )
        self._lock = threading.Condition()
        self._received: list[bytearray] = []
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._closed = 0
        self._fillers: list[socket.socket] = []

    @property
    def port(self) -> int:
        """The TCP port (0 for a UNIX socket)."""
        return self._listener.port

    def describe(self) -> str:
        """The socket as messages name it (``@name`` for abstract names), or ``host:port``."""
        return self._listener.describe()

    def url_for(self, path: str = "/", query: QueryArg = None, *, scheme: str | None = None) -> str:
        """The URL of *path* here (``http://127.0.0.1:port/...`` for a TCP server)."""
        if self._listener.tcp:
            return f"{scheme or 'http'}://{TCP_HOST}:{self.port}{path}"
        return build_url(os.fsencode(self.address), path, query=query, scheme=scheme or "http+unix")

    @property
    def url(self) -> str:
        """The base URL of the server."""
        return self.url_for()

    # -- what the server saw
    @property
    def accepted_connections(self) -> int:
        """How many connections were accepted (backlog fillers included)."""
        with self._lock:
            return len(self._received)

    @property
    def closed_connections(self) -> int:
        """How many accepted connections have ended, on either side."""
        with self._lock:
            return self._closed

    @property
    def received(self) -> list[bytes]:
        """The raw bytes read from each accepted connection, by connection index."""
        with self._lock:
            return [bytes(data) for data in self._received]

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests read with :meth:`Connection.read_request`, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions behaviours raised (other than a client going away)."""
        with self._lock:
            return list(self._errors)

    def wait_until(self, predicate: Callable[[ScriptedServer], bool], timeout: float = 5) -> None:
        """Block until ``predicate(server)`` holds (checked whenever a connection opens, closes
        or records a request); :class:`TimeoutError` after *timeout* seconds."""
        with self._lock:
            if not self._lock.wait_for(lambda: predicate(self), timeout):
                raise TimeoutError(f"scripted server {self.describe()}: condition not met")

    # -- backlog control
    def fill_backlog(self) -> int:
        """Connect idle clients until the listen backlog is full (the server must not be
        accepting); returns how many it took. :meth:`start_accepting` or :meth:`stop` closes them.

        A UNIX socket's full backlog refuses a non-blocking connect at once; a TCP one drops the
        handshake, so finding the end costs a quarter of a second, and a client then waits.
        """
        if self._accepting.is_set():
            raise RuntimeError("fill_backlog() needs ScriptedServer(accepting=False)")
        if not self._thread.is_alive():
            raise RuntimeError("fill_backlog() needs a listening server: start() it, or use with")
        while (filler := self._listener.connect_idle()) is not None:
            self._fillers.append(filler)
        return len(self._fillers)

    def start_accepting(self) -> None:
        """Close the backlog fillers and accept connections from now on."""
        self._close_fillers()
        self._accepting.set()
        self._listener.wake()

    # -- life cycle
    def start(self) -> None:
        """Listen, and run the accept loop in a thread: connections succeed from now on.

        ``with ScriptedServer(...) as server:`` calls it; once only, like a thread's start().
        """
        self._listener.open(self._backlog)
        self._thread.name = f"scripted {self.describe()}"
        self._thread.start()

    def __enter__(self) -> ScriptedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop accepting, release waiting behaviours, close every connection, remove the socket;
        safe to repeat. Behaviours get *timeout* seconds in all to return."""
        self._close_fillers()
        self._listener.stop(self._thread, timeout)

    def _accept(self, sock: socket.socket) -> None:
        with self._lock:
            index = len(self._received)
            self._received.append(bytearray())
            self._lock.notify_all()
        name = f"{self._thread.name} #{index}"
        self._listener.serve(sock, lambda: self._serve(sock, index), name)

    def _serve(self, sock: socket.socket, index: int) -> None:
        try:
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_side=True)
                self._listener.replace_connection(sock)
            self.behaviour(Connection(sock, index, self))
        except (ConnectionError, ssl.SSLError, socket.timeout):
            pass  # the client went away, or refused the certificate: its side of the test
        except BaseException as exc:  # recorded for the test to see
            with self._lock:
                self._errors.append(exc)
        finally:
            self._listener.close_connection()
            with self._lock:
                self._closed += 1
                self._lock.notify_all()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()

    def _close_fillers(self) -> None:
        for filler in self._fillers:
            filler.close()
        self._fillers.clear()


class _Recorder(io.RawIOBase):
    """A socket's reading side that appends everything it reads to *log* (under *lock*)."""

    def __init__(self, sock: socket.socket, log: bytearray, lock: threading.Condition) -> None:
        super().__init__()
        self._sock = sock
        self._log = log
        self._lock = lock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        count = self._sock.recv_into(buffer)
        with self._lock:
            self._log += memoryview(buffer).cast("B")[:count]
        return count


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"
