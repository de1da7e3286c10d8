"""Running a WSGI application (PEP 3333) on one HTTP/1.1 connection."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote_to_bytes

from ._protocol import (
    TCHARS,
    ConnectionLost,
    ProtocolError,
    RequestBody,
    RequestHead,
    header_tokens,
    read_head,
)
from ._records import RecordedRequest

if TYPE_CHECKING:
    import socket

    from _typeshed import OptExcInfo
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

    from unixsocket_url import SocketAddress

_STATUS = re.compile(r"[1-9][0-9][0-9](?: [^\x00-\x1f\x7f]*)?")
_FIELD_NAME = re.compile(TCHARS)
_BAD_VALUE = re.compile(r"[\x00\r\n]")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ServerContext:
    """What the connections of one server share."""

    app: WSGIApplication
    address: SocketAddress
    record_request: Callable[[RecordedRequest], None]
    record_error: Callable[[Exception], None]


def serve_connection(sock: socket.socket, index: int, context: ServerContext) -> None:
    """Answer requests on *sock* until either side ends the connection; *sock* stays open."""
    with sock.makefile("rb") as rfile:
        connection = _Connection(sock, rfile, index, context)
        while connection.exchange():
            pass


class _Connection:
    def __init__(
        self, sock: socket.socket, rfile: io.BufferedIOBase, index: int, context: ServerContext
    ) -> None:
        self.sock = sock
        self.rfile = rfile
        self.index = index
        self.context = context

    def exchange(self) -> bool:
        """Serve one request; whether the connection stays open for another."""
        try:
            head = read_head(self.rfile)
            if head is None:
                return False
            body = RequestBody(self.rfile, head, self.send_continue)
        except ProtocolError as exc:
            self.reject(exc)
            return False
        except ConnectionLost:
            return False
        with io.BufferedReader(body) as stream:
            return _Exchange(self, head, body).run(stream)

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ConnectionLost(f"sending the response: {exc}") from exc

    def send_continue(self) -> None:
        self.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def reject(self, error: ProtocolError) -> None:
        """Answer a request the server cannot handle; the connection closes after it."""
        body = f"{error}\n".encode()
        head = (
            f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionLost):
            self.send(head.encode("latin-1") + body)


class _Exchange:
    """One request, and the application's response to it."""

    def __init__(self, connection: _Connection, head: RequestHead, body: RequestBody) -> None:
        self._connection = connection
        self._request = head
        self._body = body
        self._client_close = head.http_version == "HTTP/1.0" or "close" in head.tokens("connection")
        self._status: str | None = None
        self._headers: list[tuple[str, str]] = []
        self._length: int | None = None
        self._bodyless = self._chunked = self._head_sent = False
        self._close = True
        self._sent = 0

    def run(self, stream: io.BufferedIOBase) -> bool:
        """Run the application and send its response; whether the connection stays open."""
        try:
            self._run_app(stream)
        except ConnectionLost:
            return False
        except ProtocolError as exc:  # found while reading a malformed body
            if not self._head_sent:
                self._connection.reject(exc)
            return False
        except Exception as exc:
            self._connection.context.record_error(exc)
            if not self._head_sent:  # else the client sees the response cut short
                with contextlib.suppress(ConnectionLost, ProtocolError):
                    self._internal_error(exc)
            return False
        return not self._close

    def _run_app(self, stream: io.BufferedIOBase) -> None:
        result = self._connection.context.app(self._environ(stream), self._start_response)
        try:
            for data in result:
                self._write(data)
            self._finish()
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _environ(self, stream: io.BufferedIOBase) -> WSGIEnvironment:
        request = self._request
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(request.path).decode("latin-1"),
            "QUERY_STRING": request.query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "0",
            "SERVER_PROTOCOL": request.http_version,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": stream,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "unixsocket.address": self._connection.context.address,
        }
        for name, value in request.headers:
            if "_" in name:  # X-Forwarded_For would pass for X-Forwarded-For; drop it, like wsgiref
                continue
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                key = "HTTP_" + key
                environ[key] = f"{environ[key]}, {value}" if key in environ else value
        return environ

    def _start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None = None,
    ) -> Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None:
            if self._head_sent:
                raise exc_info[1].with_traceback(exc_info[2])
        elif self._status is not None:
            raise RuntimeError("start_response() called a second time without exc_info")
        if not _STATUS.fullmatch(status):
            raise ValueError(f"invalid WSGI status {status!r}")
        for name, value in headers:
            if not _FIELD_NAME.fullmatch(name) or _BAD_VALUE.search(value):
                raise ValueError(f"invalid response header {name!r}: {value!r}")
            value.encode("latin-1")  # raises for text a header cannot carry
        names = {name.lower() for name, _ in headers}
        if "transfer-encoding" in names:
            raise ValueError("a WSGI application must not set Transfer-Encoding (hop-by-hop)")
        lengths = [value for name, value in headers if name.lower() == "content-length"]
        if len(lengths) > 1 or (lengths and not _DIGITS.fullmatch(lengths[0])):
            raise ValueError(f"invalid Content-Length {lengths}")
        code = int(status[:3])
        self._status, self._headers = status, list(headers)
        self._length = int(lengths[0]) if lengths else None
        self._bodyless = self._request.method == "HEAD" or code < 200 or code in (204, 304)
        delimited = self._bodyless or self._length is not None
        self._chunked = not delimited and self._request.http_version != "HTTP/1.0"
        self._close = (
            self._client_close
            or "close" in header_tokens(headers, "connection")
            or not (delimited or self._chunked)  # the end of the body is the end of the connection
        )
        return self._write

    def _write(self, data: bytes) -> None:
        if self._status is None:
            raise RuntimeError("the application sent body data before calling start_response()")
        if not data:
            return
        payload = data
        if self._bodyless:
            payload = b""
        elif self._chunked:
            payload = b"%x\r\n%s\r\n" % (len(data), data)
        elif self._length is not None:
            payload = data[: max(self._length - self._sent, 0)]
        self._sent += len(data)
        self._send(payload)
        if not self._bodyless and self._length is not None and self._sent > self._length:
            raise RuntimeError(
                f"the application sent {self._sent} bytes for a Content-Length of {self._length}"
            )

    def _finish(self) -> None:
        if self._status is None:
            raise RuntimeError("the application returned without calling start_response()")
        tail = b"0\r\n\r\n" if self._chunked else b""
        if not self._bodyless and self._length is not None and self._sent < self._length:
            self._close = True  # the body falls short of its Content-Length: only closing ends it
        self._send(tail)

    def _send(self, payload: bytes) -> None:
        if not self._head_sent:
            payload = self._response_head() + payload
        if payload:
            self._connection.send(payload)

    def _internal_error(self, exc: Exception) -> None:
        body = f"{HTTPStatus.INTERNAL_SERVER_ERROR.phrase}\n\n{type(exc).__name__}: {exc}\n"
        data = body.encode("utf-8", "backslashreplace")
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Connection", "close"),
        ]
        self._start_response("500 Internal Server Error", headers, sys.exc_info())
        self._write(data)
        self._finish()

    def _response_head(self) -> bytes:
        """Receive the rest of the request and record it, then build the response head."""
        if self._body.awaits_continue:
            self._close = True  # the client was never asked for the body; it may send it yet
        else:
            self._body.drain()  # kept for the application, which may still read it
        request = self._request
        self._connection.context.record_request(
            RecordedRequest.of(request, self._body.received, self._connection.index)
        )
        headers = list(self._headers)
        if self._chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        if self._close and "close" not in header_tokens(headers, "connection"):
            headers.append(("Connection", "close"))
        if "date" not in {name.lower() for name, _ in headers}:
            headers.append(("Date", formatdate(usegmt=True)))
        lines = [f"HTTP/1.1 {self._status}", *(f"{name}: {value}" for name, value in headers)]
        self._head_sent = True
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
