"""HTTP/1.1 on the server side: reading a request head, and its body, off a connection."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed import WriteableBuffer

MAX_LINE = 65536
"""Longest request line or header line accepted, in bytes."""
MAX_HEADERS = 100

TCHARS = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+"
"""An HTTP token (a method, a field name) as a regular expression: one or more tchar."""

_TOKEN = re.compile(TCHARS.encode())
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")
_BAD_VALUE = re.compile(rb"[\x00\r\n]")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_BLANK = (b"\r\n", b"\n")


class ProtocolError(Exception):
    """The client sent something this server cannot handle: answer *status*, then close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ConnectionLost(Exception):
    """The client went away (end of file or a socket error) in the middle of an exchange."""


@dataclass(frozen=True)
class RequestHead:
    """A request line and its headers, as received."""

    method: str
    target: str
    http_version: str
    headers: tuple[tuple[str, str], ...]

    @property
    def path(self) -> str:
        """The path of the target, still percent-encoded (the whole target for ``*``)."""
        return _split_target(self.target)[0]

    @property
    def query(self) -> str:
        """The query string of the target, without ``?``."""
        return _split_target(self.target)[1]

    def tokens(self, name: str) -> list[str]:
        """The comma-separated values of header *name*, lowercased."""
        return header_tokens(self.headers, name)


def header_tokens(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    """The comma-separated values of every header called *name* (lowercase), lowercased."""
    return [
        token.strip().lower()
        for key, value in headers
        if key.lower() == name
        for token in value.split(",")
        if token.strip()
    ]


def read_head(rfile: io.BufferedIOBase) -> RequestHead | None:
    """Read the next request head; ``None`` if the client closed the connection instead."""
    line = _readline(rfile, 414)
    while line in _BLANK:  # RFC 9112 2.2: ignore empty lines before a request line
        line = _readline(rfile, 414)
    if not line:
        return None
    parts = line.rstrip(b"\r\n").split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1]:
        raise ProtocolError(400, f"malformed request line {line!r}")
    method, target, version = parts
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ProtocolError(400, f"malformed HTTP version in request line {line!r}")
    if match[1] != b"1":
        raise ProtocolError(505, f"HTTP version {version.decode()} is not supported")
    headers: list[tuple[str, str]] = []
    while (line := _required_line(rfile, 431)) not in _BLANK:
        if len(headers) == MAX_HEADERS:
            raise ProtocolError(431, f"more than {MAX_HEADERS} header fields")
        name, colon, value = line.partition(b":")
        value = value.strip(b" \t\r\n")
        if not colon or not _TOKEN.fullmatch(name) or _BAD_VALUE.search(value):
            raise ProtocolError(400, f"malformed header line {line!r}")
        headers.append((name.decode("ascii"), value.decode("latin-1")))
    return RequestHead(
        method.decode("ascii"), target.decode("latin-1"), version.decode("ascii"), tuple(headers)
    )


class RequestBody(io.RawIOBase):
    """A request body, decoded (Content-Length or chunked), pulled off the connection on demand.

    Everything pulled is kept in :attr:`received`, so the server can record the body whatever the
    application read. *send_continue* is called before the first byte is pulled when the client
    waits for ``100 Continue``.
    """

    def __init__(
        self,
        rfile: io.BufferedIOBase,
        head: RequestHead,
        send_continue: Callable[[], None],
    ) -> None:
        super().__init__()
        self._rfile = rfile
        self._received = bytearray()
        self._position = 0
        self._chunked, self._left = _framing(head)
        self._complete = self._left == 0 and not self._chunked
        expects = head.http_version != "HTTP/1.0" and "100-continue" in head.tokens("expect")
        self._send_continue: Callable[[], None] | None = send_continue if expects else None

    @property
    def received(self) -> bytes:
        """The body bytes received so far."""
        return bytes(self._received)

    @property
    def awaits_continue(self) -> bool:
        """Whether the client still waits for ``100 Continue`` before it sends the body."""
        return self._send_continue is not None and not self._complete

    def readable(self) -> bool:
        """Always true: this is an input stream."""
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Read up to ``len(buffer)`` body bytes into *buffer*; 0 at the end of the body."""
        view = memoryview(buffer).cast("B")
        while self._position == len(self._received) and not self._complete:
            self._pull(len(view))
        data = self._received[self._position : self._position + len(view)]
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def drain(self) -> None:
        """Receive the rest of the body (kept for the application to read)."""
        while not self._complete:
            self._pull(MAX_LINE)

    def _pull(self, size: int) -> None:
        if self._send_continue is not None:
            self._send_continue()
            self._send_continue = None
        if self._chunked and self._left == 0:
            self._left = self._chunk_size()
            if self._left == 0:
                while _required_line(self._rfile, 431) not in _BLANK:  # trailer fields: skipped
                    pass
                self._complete = True
                return
        try:
            data = self._rfile.read1(min(size, self._left))
        except OSError as exc:
            raise ConnectionLost(f"reading the request body: {exc}") from exc
        if not data:
            raise ConnectionLost("the client closed the connection in the middle of the body")
        self._received += data
        self._left -= len(data)
        if self._left == 0:
            if self._chunked and _required_line(self._rfile, 400) not in _BLANK:
                raise ProtocolError(400, "chunk data not followed by CRLF")
            self._complete = not self._chunked

    def _chunk_size(self) -> int:
        line = _required_line(self._rfile, 400)
        size = line.split(b";", 1)[0].strip(b" \t\r\n")
        if not _CHUNK_SIZE.fullmatch(size):
            raise ProtocolError(400, f"malformed chunk size line {line!r}")
        return int(size, 16)


def _framing(head: RequestHead) -> tuple[bool, int]:
    """``(chunked, content length)`` of the request body (RFC 9112 6.3)."""
    codings = head.tokens("transfer-encoding")
    lengths = {
        value.strip()
        for name, values in head.headers
        if name.lower() == "content-length"
        for value in values.split(",")
    }
    if codings:
        if codings != ["chunked"]:
            raise ProtocolError(501, f"unsupported Transfer-Encoding {', '.join(codings)}")
        if lengths:
            raise ProtocolError(400, "both Transfer-Encoding and Content-Length")
        return True, 0
    if not lengths:
        return False, 0
    length = lengths.pop()
    if lengths or not length.isdigit() or not length.isascii():
        raise ProtocolError(400, "invalid Content-Length")
    return False, int(length)


def _split_target(target: str) -> tuple[str, str]:
    if target.startswith("/"):
        path, _, query = target.partition("?")
        return path, query
    if "://" in target:  # absolute form, as sent to proxies
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    return target, ""  # asterisk form (OPTIONS *) or authority form (CONNECT)


def _readline(rfile: io.BufferedIOBase, too_long: int) -> bytes:
    """One line (``b""`` at a clean end of file); *too_long* is the status for an overlong one."""
    try:
        line = rfile.readline(MAX_LINE + 1)
    except OSError as exc:
        raise ConnectionLost(f"reading the request: {exc}") from exc
    if len(line) > MAX_LINE:
        raise ProtocolError(too_long, f"line longer than {MAX_LINE} bytes")
    if line and not line.endswith(b"\n"):
        raise ConnectionLost("the client closed the connection in the middle of a line")
    return line


def _required_line(rfile: io.BufferedIOBase, too_long: int) -> bytes:
    line = _readline(rfile, too_long)
    if not line:
        raise ConnectionLost("the client closed the connection in the middle of the request")
    return line
