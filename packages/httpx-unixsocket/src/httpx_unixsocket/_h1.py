"""The sans-IO core of the HTTP/1.1 engine: request heads and bodies out, responses in.

Both engines (:mod:`._engine`, sync and async) share it and differ only in how they wait.
Responses are parsed by httptools (llhttp, the parser uvicorn uses); this module adds what the
parser leaves to its caller: interim (1xx) responses skipped, a ``HEAD`` answer finished at its
head, the end of a body that runs until the server closes, a bound on the response head, and
the keep-alive decision.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Union

import httpcore
import httptools

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_HEAD = 100 * 1024
"""The largest response head (status line and fields; trailers count too): httpcore's bound."""

DISCONNECTED = "Server disconnected without sending a response."
"""httpcore's words (and h11's) for a connection closed before any byte of the response: the
keep-alive race, when the connection was a reused one."""

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_HEAD = re.compile(
    rb"%s [^\x00-\x20\x7f]+ HTTP/1\.1\r\n(?:%s: [^\r\n\x00]*\r\n)*\r\n" % (_TOKEN, _TOKEN)
)
"""A request head that says what it means: a method token, a target without spaces or
controls, and fields whose names are tokens and whose values hold no CR, LF or NUL."""

Framing = Union[int, bool, None]
"""How a request body is framed: its ``Content-Length``, ``True`` for chunked, ``None`` for
neither (no body)."""


def request_head(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The request line and header fields, ready to write; :class:`httpcore.LocalProtocolError`
    for a method, target, name or value that would change the request (a space, a line
    break, a NUL)."""
    head = b"".join(
        [b"%s %s HTTP/1.1\r\n" % (method, target)]
        + [b"%s: %s\r\n" % field for field in headers]
        + [b"\r\n"]
    )
    if head.count(b"\n") != len(headers) + 2 or not _HEAD.fullmatch(head):
        raise httpcore.LocalProtocolError(
            "Illegal request line or header field (a space, CR, LF or NUL where it would "
            "change the request)"
        )
    return head


def framing(headers: Iterable[tuple[bytes, bytes]]) -> tuple[Framing, bool]:
    """How the request's own fields (httpx sets them from the content) frame its body, and
    whether they ask for the connection to close after the response (``Connection: close``)."""
    body: Framing = None
    close = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"transfer-encoding" and value.lower() == b"chunked":
            body = True
        elif lowered == b"content-length" and body is None:
            try:
                body = int(value)
            except ValueError:
                raise httpcore.LocalProtocolError(f"Illegal Content-Length {value!r}") from None
        elif lowered == b"connection":
            close = close or b"close" in value.lower()
    return body, close


class BodyFramer:
    """Frames a request body as its fields say, and checks that it matches them."""

    __slots__ = ("_chunked", "_left")

    def __init__(self, framing: Framing) -> None:
        self._chunked = framing is True
        self._left = 0 if framing is None or framing is True else framing

    def frame(self, data: bytes) -> bytes:
        if self._chunked:
            return b"%x\r\n%s\r\n" % (len(data), data) if data else b""
        self._left -= len(data)
        if self._left < 0:
            raise httpcore.LocalProtocolError("Too much data for declared Content-Length")
        return data

    def end(self) -> bytes:
        if self._chunked:
            return b"0\r\n\r\n"
        if self._left:
            raise httpcore.LocalProtocolError("Too little data for declared Content-Length")
        return b""


class ResponseParser:
    """One connection's responses, fed the bytes read from it.

    After :meth:`feed`: ``head`` once the final response's head is in (``status``, ``reason``,
    ``headers``, ``http_version``), ``body`` the body bytes not yet taken, ``complete`` once the
    response ended, ``keep_alive`` whether the connection may carry another request. Malformed
    input raises :class:`httpcore.RemoteProtocolError`. Bytes after the response (pipelined,
    unasked for) make the connection unusable: ``keep_alive`` goes false.
    """

    def __init__(self, head_only: bool) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self.start(head_only)

    def start(self, head_only: bool, close: bool = False) -> None:
        """Expect a new response (to a ``HEAD`` when *head_only*: its head is all of it; to a
        request that closes the connection when *close*)."""
        self._head_only = head_only
        self._close = close
        self._fed = 0
        self._seen = 0
        self._interim = False
        self.head = False
        self.complete = False
        self.keep_alive = False
        self.received = False
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.http_version = b"HTTP/1.1"
        self.body: list[bytes] = []

    def feed(self, data: bytes) -> None:
        self.received = True
        if not self.head:
            self._fed += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if not self.head:
                raise httpcore.RemoteProtocolError("Upgrade in a response head") from None
            self.complete = True  # 101: the connection is the server's now, never reused
        except httptools.HttpParserError as exc:
            if self.complete:  # bytes after the response: unasked for, and unusable
                self.keep_alive = False
                return
            cause = exc.__context__ if isinstance(exc.__context__, httpcore.ProtocolError) else exc
            raise httpcore.RemoteProtocolError(f"malformed response: {cause}") from exc
        if not self.head and self._fed > MAX_HEAD:
            raise httpcore.RemoteProtocolError(f"response head larger than {MAX_HEAD} bytes")

    def eof(self) -> None:
        """The server closed the connection: the end of a body that runs until then, or a
        response cut short (:class:`httpcore.RemoteProtocolError`)."""
        self.keep_alive = False
        if self.complete:
            return
        if not self.received:
            raise httpcore.RemoteProtocolError(DISCONNECTED)
        if self.head and not any(
            name.lower() in (b"content-length", b"transfer-encoding") for name, _ in self.headers
        ):
            self.complete = True
            return
        part = "message body" if self.head else "response head"
        message = f"peer closed connection without sending complete {part}"
        raise httpcore.RemoteProtocolError(message)

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self.complete:
            self.keep_alive = False  # a second response nobody asked for

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self._seen += len(name) + len(value)
        if self._seen > MAX_HEAD:
            raise httpcore.RemoteProtocolError(f"response head larger than {MAX_HEAD} bytes")
        if not self.head:  # trailers (after a chunked body) are dropped, as httpcore does
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # interim: skipped
            self._interim = True
            self.reason = b""
            self.headers = []
            self._seen = self._fed = 0
            return
        self._interim = False
        self.head = True
        self.status = status
        self.http_version = b"HTTP/" + self._parser.get_http_version().encode("ascii")
        if self._head_only:
            self.complete = True  # a HEAD answer: its connection is never reused

    def on_body(self, body: bytes) -> None:
        if not self.complete and body:
            self.body.append(body)

    def on_message_complete(self) -> None:
        if self._interim or self.complete:
            return
        self.complete = True
        self.keep_alive = (
            not self._close and self.status not in (204, 304) and self._parser.should_keep_alive()
        )
