"""Scripted raw-socket servers for faults and protocols the shared test server does not offer.

TLS on a UNIX socket, an ordinary TCP origin that redirects into a socket, servers that answer
what a test tells them to. Each connection is served by a thread; tests synchronise on what the
server recorded, never on sleeps. Loaded by ``tests/test_requests`` too (by path).
"""

from __future__ import annotations

import contextlib
import io
import os
import selectors
import shutil
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from unixsocket_url import build_url

if TYPE_CHECKING:
    from types import TracebackType

    import trustme


@dataclass
class Request:
    """One request as the scripted server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


Handler = Callable[[Request], Reply]
ConnectionHandler = Callable[[socket.socket, int], None]


class ScriptedServer:
    """Accept connections on a UNIX socket (or TCP with *tcp*) and hand each to a handler.

    With *handler* (request -> reply) it speaks minimal HTTP/1.1 with keep-alive and records
    every request in ``requests``; with *on_connection* it hands over the raw socket instead.
    *ssl_context* wraps each accepted connection in TLS (server side) first.
    """

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        on_connection: ConnectionHandler | None = None,
        ssl_context: ssl.SSLContext | None = None,
        tcp: bool = False,
        backlog: int = 16,
    ) -> None:
        self.handler = handler
        self.on_connection = on_connection
        self.ssl_context = ssl_context
        self.tcp = tcp
        self.backlog = backlog
        self.requests: list[Request] = []
        self.errors: list[BaseException] = []
        self.accepted = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._dir: str | None = None
        self.address: str = ""
        self.port = 0

    # -- URLs
    def url_for(self, path: str = "/", scheme: str = "http+unix") -> str:
        if self.tcp:
            return f"http://127.0.0.1:{self.port}{path}"
        return build_url(self.address, path, scheme=scheme)

    # -- lifecycle
    def __enter__(self) -> ScriptedServer:
        if self.tcp:
            self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._listener.bind(("127.0.0.1", 0))
            self.port = self._listener.getsockname()[1]
        else:
            self._dir = tempfile.mkdtemp(prefix="u3s-", dir="/tmp")
            self.address = os.path.join(self._dir, "s.sock")
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(self.address)
        self._listener.listen(self.backlog)
        self._wake_r, self._wake_w = socket.socketpair()
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._wake_w.send(b"x")
        self._acceptor.join(5)
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            threads = list(self._threads)
        for thread in threads:
            thread.join(5)
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                conn, _ = self._listener.accept()
                with self._lock:
                    index = self.accepted
                    self.accepted += 1
                    self._conns.append(conn)
                    thread = threading.Thread(target=self._serve, args=(conn, index), daemon=True)
                    self._threads.append(thread)
                thread.start()

    def _serve(self, conn: socket.socket, index: int) -> None:
        sock: socket.socket = conn
        try:
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(conn, server_side=True)
            if self.on_connection is not None:
                self.on_connection(sock, index)
            else:
                self._serve_http(sock, index)
        except (OSError, ssl.SSLError) as exc:  # the client went away, or a TLS failure
            with self._lock:
                self.errors.append(exc)
        finally:
            sock.close()

    def _serve_http(self, sock: socket.socket, index: int) -> None:
        assert self.handler is not None
        with sock.makefile("rb") as rfile:
            while True:
                request = read_request(rfile, index)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                reply = self.handler(request)
                sock.sendall(render(reply))
                if (request.header("connection") or "").lower() == "close":
                    return


def read_request(rfile: io.BufferedIOBase, index: int = 0) -> Request | None:
    """Read one HTTP/1.1 request (Content-Length or chunked body); None at end of stream."""
    readline, read = rfile.readline, rfile.read
    line = readline(65537)
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = readline(65537)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    body = b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int(readline(1024).split(b";")[0], 16)
            if size == 0:
                while readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunks.append(read(size))
            readline(1024)
        body = b"".join(chunks)
    elif "content-length" in headers:
        body = read(int(headers["content-length"]))
    return Request(method, target, headers, body, index)


def render(reply: Reply) -> bytes:
    """The bytes of *reply*, with a Content-Length unless it has one."""
    lines = [f"HTTP/1.1 {reply.status} Status"]
    names = {name.lower() for name, _ in reply.headers}
    lines += [f"{name}: {value}" for name, value in reply.headers]
    if "content-length" not in names:
        lines.append(f"Content-Length: {len(reply.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body


def echo(request: Request) -> Reply:
    """200 with the method and target in the body."""
    return Reply(body=f"{request.method} {request.target}".encode())


def tls_contexts(tmpdir: str) -> tuple[ssl.SSLContext, str, trustme.CA]:
    """A server context for ``localhost`` signed by a fresh trustme CA, and the CA file path."""
    import trustme

    ca = trustme.CA()
    server_cert = ca.issue_cert("localhost", "service.internal")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    ca_path = os.path.join(tmpdir, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    return context, ca_path, ca
