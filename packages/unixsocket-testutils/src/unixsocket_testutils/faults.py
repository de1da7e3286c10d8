"""Ready-made faults: behaviours for :class:`~unixsocket_testutils.ScriptedServer`, and paths
where a client expects a socket but finds something else.

Every behaviour factory returns a ``Connection -> None`` function to pass as
``ScriptedServer(behaviour=...)``. Waiting is done with :meth:`Connection.wait`, which a stop
interrupts.
"""

from __future__ import annotations

import contextlib
import os
import socket
import zlib
from typing import TYPE_CHECKING

from ._scripted import Behaviour, Connection, Reply, echo, response_head

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

BODY = b"Hello world!"

BAD_SOCKETS = ("missing", "missing-parent", "regular-file", "directory", "stale", "datagram")
"""The kinds :func:`bad_socket` makes."""


def _answer_all(conn: Connection, reply: Reply) -> None:
    """Answer every request on *conn* with *reply*, with keep-alive."""
    while (request := conn.read_request()) is not None:
        conn.reply(reply, request)


def _after_request(data: bytes) -> Behaviour:
    """Read one request, send *data*, close."""

    def behaviour(conn: Connection) -> None:
        if conn.read_request() is not None:
            conn.send(data)

    return behaviour


def short_content_length(declared: int = 100, body: bytes = b"short") -> Behaviour:
    """Declare ``Content-Length: declared``, send fewer bytes (*body*), close."""
    return _after_request(response_head(200, [("Content-Length", str(declared))]) + body)


def chunked_cut() -> Behaviour:
    """A chunked body cut in the middle of a chunk, then close."""
    head = response_head(200, [("Transfer-Encoding", "chunked")])
    return _after_request(head + b"10\r\nonly part")


def no_final_chunk() -> Behaviour:
    """Whole chunks, but the connection closes before the last (``0``) chunk."""
    head = response_head(200, [("Transfer-Encoding", "chunked")])
    return _after_request(head + b"5\r\nhello\r\n")


def empty_reply() -> Behaviour:
    """Read the request, close without a byte of response."""
    return _after_request(b"")


def not_http() -> Behaviour:
    """Answer with bytes that are not an HTTP response."""
    return _after_request(b"this is not http\r\n\r\n")


def _answer(conn: Connection, count: int) -> bool:
    """Answer *count* requests with keep-alive; False if the client closed first."""
    for _ in range(count):
        request = conn.read_request()
        if request is None:
            return False
        conn.reply(Reply(body=BODY), request)
    return True


def close_when_idle(responses: int = 1) -> Behaviour:
    """Answer *responses* requests with keep-alive, then close the idle connection."""

    def behaviour(conn: Connection) -> None:
        _answer(conn, responses)

    return behaviour


def close_after_reading(answered: int = 1) -> Behaviour:
    """Answer the first *answered* requests of each connection; read the next, then close
    without answering (a reused connection that dies under the request)."""

    def behaviour(conn: Connection) -> None:
        if _answer(conn, answered):
            conn.read_request()

    return behaviour


def stall(after_headers: bool = False) -> Behaviour:
    """Read the request, then send nothing (or only the headers, with *after_headers*) until the
    server stops: the client's read timeout must fire."""

    def behaviour(conn: Connection) -> None:
        if conn.read_request() is None:
            return
        if after_headers:
            conn.send(response_head(200, [("Content-Length", str(len(BODY)))]))
        conn.wait()

    return behaviour


def slow(delay: float, body: bytes = BODY) -> Behaviour:
    """Answer each request after *delay* seconds."""

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            if conn.wait(delay):
                return
            conn.reply(Reply(body=body), request)

    return behaviour


def drip(body: bytes = BODY, interval: float = 0.02) -> Behaviour:
    """Send the response one byte every *interval* seconds (head and body): a per-read timeout
    longer than *interval* never fires, however long the whole response takes."""

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            for byte in Reply(body=body).render(head_only=request.method == "HEAD"):
                if conn.wait(interval):
                    return
                conn.send(bytes((byte,)))

    return behaviour


def huge_header_line(size: int = 1 << 20) -> Behaviour:
    """One header line of *size* bytes."""
    return _after_request(response_head(200, [("X-Huge", "x" * size), ("Content-Length", "0")]))


def many_headers(count: int = 1000) -> Behaviour:
    """*count* short header fields."""
    headers = [(f"X-H{number}", "v") for number in range(count)]
    return _after_request(response_head(200, [*headers, ("Content-Length", "0")]))


def header_megabytes(megabytes: int = 4) -> Behaviour:
    """Megabytes of headers in lines of 1 KiB each."""
    headers = [(f"X-M{number}", "m" * 1000) for number in range(megabytes * 1024)]
    return _after_request(response_head(200, [*headers, ("Content-Length", "0")]))


def body_until_close(body: bytes = BODY) -> Behaviour:
    """A response with neither ``Content-Length`` nor chunking: the body ends with the
    connection."""
    return _after_request(response_head(200, [("Connection", "close")]) + body)


def head_with_content_length(length: int = 1000) -> Behaviour:
    """Answer ``HEAD`` with ``Content-Length: length`` and no body, other methods with *length*
    bytes; keep-alive, so the next request on the connection shows any confusion."""
    return lambda conn: _answer_all(conn, Reply(body=b"h" * length))


def unsolicited_continue() -> Behaviour:
    """Send ``100 Continue`` before every response, whether or not the client asked for it."""

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            conn.send(response_head(100))
            conn.reply(Reply(body=BODY), request)

    return behaviour


def early_response(status: int = 413, after: int = 64 * 1024) -> Behaviour:
    """Read the request head and at most *after* body bytes, answer *status* with
    ``Connection: close``, and close while the client is still uploading."""

    def behaviour(conn: Connection) -> None:
        if conn.read_head() is None:
            return
        read = 0
        while read < after and (data := conn.read_some(min(65536, after - read))):
            read += len(data)
        conn.reply(Reply(status, b"too large", [("Connection", "close")]))

    return behaviour


def head_cut(data: bytes = b"HTTP/1.1 200 OK\r\nContent-Le") -> Behaviour:
    """Send the start of a response head (*data*: a status line and half a field), close."""
    return _after_request(data)


def informational(status: int = 103, headers: Iterable[tuple[str, str]] = ()) -> Behaviour:
    """Send an informational response (``103 Early Hints`` with a ``Link`` field by default)
    before each final ``200``; keep-alive."""
    fields = list(headers) or [("Link", "</style.css>; rel=preload; as=style")]

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            conn.send(response_head(status, fields))
            conn.reply(Reply(body=BODY), request)

    return behaviour


def content_length(value: str = "-5", body: bytes = BODY) -> Behaviour:
    """Answer with ``Content-Length: value`` (``-5``, ``1, 2``...) and *body*, then close."""
    return _after_request(response_head(200, [("Content-Length", value)]) + body)


def stray_body(delay: float = 0.05, body: bytes = BODY) -> Behaviour:
    """Answer ``HEAD`` (with the ``Content-Length`` of *body*) and any request for ``/204``
    (``204 No Content``) with a head alone, as HTTP wants, then send *body* anyway, *delay*
    seconds later: after the client may have sent its next request on the connection. Other
    requests get :func:`~unixsocket_testutils.echo`'s answer; keep-alive."""

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            if request.method != "HEAD" and request.path != "/204":
                conn.reply(echo(request), request)
                continue
            if request.path == "/204":
                conn.send(response_head(204))
            else:
                conn.send(response_head(200, [("Content-Length", str(len(body)))]))
            if conn.wait(delay):
                return
            conn.send(body)

    return behaviour


COMPRESSIONS = ("gzip", "deflate", "br", "zstd")
"""The encodings :func:`compression_bomb` makes (``br`` needs ``brotli``, ``zstd`` needs
``zstandard``)."""


def compressed(data: Iterable[bytes], encoding: str) -> bytes:
    """The pieces of *data*, compressed as ``Content-Encoding: encoding`` (one of
    :data:`COMPRESSIONS`; ``deflate`` is the zlib format, as HTTP means it)."""
    if encoding in ("gzip", "deflate"):
        wbits = 31 if encoding == "gzip" else 15
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        return b"".join(compressor.compress(piece) for piece in data) + compressor.flush()
    if encoding == "br":
        import brotli  # type: ignore[import-not-found,unused-ignore]

        brotli_compressor = brotli.Compressor(quality=5)
        parts = [brotli_compressor.process(piece) for piece in data]
        return b"".join(parts) + brotli_compressor.finish()  # type: ignore[no-any-return,unused-ignore]
    if encoding == "zstd":
        import zstandard  # type: ignore[import-not-found,unused-ignore]

        zstd_compressor = zstandard.ZstdCompressor().compressobj()
        parts = [zstd_compressor.compress(piece) for piece in data]
        return b"".join(parts) + zstd_compressor.flush()  # type: ignore[no-any-return,unused-ignore]
    raise ValueError(f"unknown encoding {encoding!r}; one of {', '.join(COMPRESSIONS)}")


def compression_bomb(encoding: str = "gzip", inflated: int = 256 << 20) -> Behaviour:
    """Answer every request with *inflated* zero bytes compressed as *encoding* (see
    :func:`compressed`): about 254 KiB of gzip or deflate for the default 256 MiB, the
    highest ratio deflate reaches (about 1,000 to 1). A client that decompresses a large read
    in one piece holds it all in memory at once."""
    block = bytes(1 << 20)
    pieces = [block] * (inflated // len(block)) + [bytes(inflated % len(block))]
    body = compressed(pieces, encoding)
    headers = [("Content-Encoding", encoding), ("Content-Type", "application/octet-stream")]
    return lambda conn: _answer_all(conn, Reply(body=body, headers=headers))


@contextlib.contextmanager
def bad_socket(kind: str, directory: str) -> Iterator[str]:
    """A path in *directory* where a client finds no listening stream socket, of *kind*:

    ``missing`` (nothing there), ``missing-parent`` (not even the directory), ``regular-file``,
    ``directory``, ``stale`` (a socket file nobody listens on), ``datagram`` (a bound
    ``SOCK_DGRAM`` socket, open for the duration of the block).
    """
    path = os.path.join(directory, kind + ".sock")
    if kind == "missing":
        yield path
    elif kind == "missing-parent":
        yield os.path.join(directory, "no-such-dir", "s.sock")
    elif kind == "regular-file":
        with open(path, "wb"):
            pass
        yield path
    elif kind == "directory":
        os.mkdir(path)
        yield path
    elif kind in ("stale", "datagram"):
        type_ = socket.SOCK_STREAM if kind == "stale" else socket.SOCK_DGRAM
        with socket.socket(socket.AF_UNIX, type_) as sock:
            sock.bind(path)
            if kind == "datagram":
                yield path
                return
        yield path  # closed without unlinking: the file stays, nothing listens
    else:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(BAD_SOCKETS)}")
