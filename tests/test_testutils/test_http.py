"""The server's HTTP/1.1 and WSGI behaviour, checked with http.client and with raw bytes."""

from __future__ import annotations

import http.client
import socket
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

import unixsocket_url
from unixsocket_testutils import UnixSocketServerThread

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from types import TracebackType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from unixsocket_testutils.pytest_plugin import UnixServerFactory


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a UNIX socket."""

    def __init__(self, server: UnixSocketServerThread) -> None:
        super().__init__("localhost", timeout=10)
        self.address = server.address

    def connect(self) -> None:
        self.sock = unixsocket_url.connect(self.address, timeout=self.timeout)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    """Decoded from chunked framing."""
    wire_body: bytes
    """As it was on the wire."""

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ", ".join(values) if values else None


class RawClient:
    """One connection, for exact bytes in and exact responses out."""

    def __init__(self, server: UnixSocketServerThread) -> None:
        self.sock = unixsocket_url.connect(server.address, timeout=10)
        self.rfile = self.sock.makefile("rb")

    def __enter__(self) -> RawClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rfile.close()
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_response(self, method: str = "GET") -> Response:
        status_line = self.rfile.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        headers = []
        while (line := self.rfile.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name, value.strip()))
        status = int(status_line.split()[1])
        response = Response(status, headers, b"", b"")
        if method == "HEAD" or status in (100, 204, 304):
            return response
        if response.header("Transfer-Encoding") == "chunked":
            wire = bytearray()
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0], 16)
                chunk = self.rfile.read(size + 2)
                wire += size_line + chunk
                response.body += chunk[:-2]
                if size == 0:
                    break
            response.wire_body = bytes(wire)
            return response
        length = response.header("Content-Length")
        response.body = self.rfile.read() if length is None else self.rfile.read(int(length))
        response.wire_body = response.body
        return response

    def closed_by_server(self) -> bool:
        """True when the server closed the connection with nothing more to send.

        Linux reports ECONNRESET instead of the end of file when the server closed without
        reading everything that was sent (as it does after refusing a malformed request).
        """
        try:
            return self.rfile.read() == b""
        except ConnectionResetError:
            return True


def get(server: UnixSocketServerThread, target: str) -> http.client.HTTPResponse:
    conn = UnixHTTPConnection(server)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


def echo_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    body: bytes = environ["wsgi.input"].read()
    start_response(
        "200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))]
    )
    return [body]


def streaming_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"one,"
    yield b""
    yield b"two"


# --------------------------------------------------------------------- the default application


def test_default_app_answers_like_requests_unixsocket_test_server(
    unix_server: UnixSocketServerThread,
) -> None:
    conn = UnixHTTPConnection(unix_server)
    conn.request("GET", "/some/path?x=1&y=a+b")
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 200
    assert body == b"Hello world!"
    headers = response.getheaders()
    assert headers[:6] == [
        ("Content-Type", "text/plain"),
        ("Content-Length", "12"),
        ("X-Transport", "unix domain socket"),
        ("X-Socket-Path", unix_server.usock),
        ("X-Requested-Path", "/some/path"),
        ("X-Requested-Query-String", "x=1&y=a+b"),
    ]
    assert [name for name, _ in headers[6:]] == ["Date"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "BREW"])
def test_default_app_answers_every_method(unix_server: UnixSocketServerThread, method: str) -> None:
    conn = UnixHTTPConnection(unix_server)
    conn.request(method, "/m", body=b"payload")
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"Hello world!")
    conn.close()
    [request] = unix_server.requests
    assert (request.method, request.body) == (method, b"payload")


def test_default_app_head_has_no_body_but_the_get_content_length(
    unix_server: UnixSocketServerThread,
) -> None:
    with RawClient(unix_server) as raw:
        raw.send(b"HEAD /h HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = raw.read_response("HEAD")
        raw.send(b"GET /g HTTP/1.1\r\nHost: localhost\r\n\r\n")
        # Were there body bytes after the HEAD response, this would not parse as a status line.
        following = raw.read_response()
    assert head.status == 200
    assert head.header("Content-Length") == "12"
    assert head.header("X-Requested-Path") == "/h"
    assert following.header("X-Requested-Path") == "/g"
    assert following.body == b"Hello world!"


def test_default_app_shows_path_info_decoded_and_escapes_control_characters(
    unix_server: UnixSocketServerThread,
) -> None:
    response = get(unix_server, "/caf%C3%A9/a%20b/%0D%0Aevil")
    # PATH_INFO holds the decoded bytes as latin-1 text (PEP 3333), and goes out as those same
    # bytes: UTF-8 "é" on the wire, which http.client reads back as latin-1.
    assert response.getheader("X-Requested-Path") == "/caf\xc3\xa9/a b/%0D%0Aevil"
    assert response.getheader("Evil") is None


def test_default_app_consumes_the_request_body(unix_server: UnixSocketServerThread) -> None:
    with RawClient(unix_server) as raw:
        raw.send(
            b"POST /upload HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
            b"Content-Length: 5\r\n\r\n"
        )
        assert raw.read_response().status == 100
        raw.send(b"hello")
        response = raw.read_response()
    assert response.body == b"Hello world!"
    assert unix_server.requests[0].body == b"hello"


# -------------------------------------------------------------------------------- connections


def test_keep_alive_serves_two_requests_on_one_connection(
    unix_server: UnixSocketServerThread,
) -> None:
    with RawClient(unix_server) as raw:
        for target in (b"/first", b"/second"):
            raw.send(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert raw.read_response().status == 200
    assert unix_server.accepted_connections == 1
    assert [(r.path, r.connection_index) for r in unix_server.requests] == [
        ("/first", 0),
        ("/second", 0),
    ]


def test_http_client_reuses_its_connection(unix_server: UnixSocketServerThread) -> None:
    conn = UnixHTTPConnection(unix_server)
    for _ in range(3):
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"Hello world!"
    conn.close()
    second = UnixHTTPConnection(unix_server)
    second.request("GET", "/")
    second.getresponse().read()
    second.close()
    assert unix_server.accepted_connections == 2
    assert [r.connection_index for r in unix_server.requests] == [0, 0, 0, 1]


def test_client_connection_close_is_honoured(unix_server: UnixSocketServerThread) -> None:
    with RawClient(unix_server) as raw:
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        response = raw.read_response()
        assert response.header("Connection") == "close"
        assert raw.closed_by_server()


def test_application_connection_close_is_honoured(unix_server_factory: UnixServerFactory) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "2"), ("Connection", "close")])
        return [b"ok"]

    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        response = raw.read_response()
        assert (response.body, response.header("Connection")) == (b"ok", "close")
        assert raw.closed_by_server()


def test_connections_are_served_concurrently(unix_server_factory: UnixServerFactory) -> None:
    entered = threading.Event()
    release = threading.Event()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/slow":
            entered.set()
            assert release.wait(10)
        start_response("200 OK", [("Content-Length", "0")])
        return []

    server = unix_server_factory(app)
    with RawClient(server) as slow, RawClient(server) as fast:
        slow.send(b"GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert entered.wait(10)
        fast.send(b"GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert fast.read_response().status == 200  # while /slow is still in the application
        release.set()
        assert slow.read_response().status == 200
    assert [r.path for r in server.requests] == ["/fast", "/slow"]


# ------------------------------------------------------------------------------ request bodies


def test_chunked_request_body_is_decoded(unix_server_factory: UnixServerFactory) -> None:
    server = unix_server_factory(echo_app)
    with RawClient(server) as raw:
        raw.send(
            b"POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n"
        )
        response = raw.read_response()
        raw.send(b"GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n")  # framing stayed in step
        assert raw.read_response().status == 200
    assert response.body == b"hello world"
    assert server.requests[0].body == b"hello world"
    assert server.requests[0].header("transfer-encoding") == "chunked"


def test_chunked_body_through_http_client(unix_server_factory: UnixServerFactory) -> None:
    server = unix_server_factory(echo_app)
    conn = UnixHTTPConnection(server)
    conn.request("PUT", "/stream", body=iter([b"a" * 10000, b"b" * 3]), encode_chunked=True)
    body = conn.getresponse().read()
    conn.close()
    assert body == b"a" * 10000 + b"bbb"


def test_body_the_application_ignores_is_still_received(
    unix_server_factory: UnixServerFactory,
) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("204 No Content", [])
        return []

    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(b"POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nxyz")
        assert raw.read_response().status == 204
        raw.send(b"GET /b HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert raw.read_response().status == 204
    assert [(r.path, r.body) for r in server.requests] == [("/a", b"xyz"), ("/b", b"")]
    assert server.accepted_connections == 1


def test_wsgi_input_reads_lines_and_pieces(unix_server_factory: UnixServerFactory) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        stream = environ["wsgi.input"]
        first, piece, rest = stream.readline(), stream.read(2), list(stream)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [repr((first, piece, rest)).encode()]

    server = unix_server_factory(app)
    conn = UnixHTTPConnection(server)
    conn.request("POST", "/", body=b"line 1\nabline 2\nend")
    assert conn.getresponse().read() == repr((b"line 1\n", b"ab", [b"line 2\n", b"end"])).encode()
    conn.close()


def test_expect_continue_is_answered_when_the_body_is_read(
    unix_server_factory: UnixServerFactory,
) -> None:
    server = unix_server_factory(echo_app)
    with RawClient(server) as raw:
        raw.send(
            b"PUT /big HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        interim = raw.read_response()
        raw.send(b"data")
        final = raw.read_response()
    assert interim.status == 100
    assert (final.status, final.body) == (200, b"data")


def test_expect_continue_without_reading_the_body_answers_and_closes(
    unix_server_factory: UnixServerFactory,
) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("413 Content Too Large", [("Content-Length", "0")])
        return []

    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(
            b"PUT /big HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        response = raw.read_response()  # at once: no 100 Continue, no wait for the body
        assert (response.status, response.header("Connection")) == (413, "close")
        assert raw.closed_by_server()
    assert server.requests[0].body == b""


# ----------------------------------------------------------------------------------- responses


def test_streaming_response_is_chunked(unix_server_factory: UnixServerFactory) -> None:
    server = unix_server_factory(streaming_app)
    with RawClient(server) as raw:
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        response = raw.read_response()
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert raw.read_response().body == b"one,two"
    assert response.header("Transfer-Encoding") == "chunked"
    assert response.header("Content-Length") is None
    assert response.wire_body == b"4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n"
    assert server.accepted_connections == 1


def test_streaming_response_to_http_1_0_is_delimited_by_close(
    unix_server_factory: UnixServerFactory,
) -> None:
    server = unix_server_factory(streaming_app)
    with RawClient(server) as raw:
        raw.send(b"GET / HTTP/1.0\r\n\r\n")
        response = raw.read_response()
    assert response.body == b"one,two"
    assert response.header("Transfer-Encoding") is None
    assert response.header("Connection") == "close"
    assert server.requests[0].http_version == "HTTP/1.0"


def test_head_never_sends_a_body(unix_server_factory: UnixServerFactory) -> None:
    server = unix_server_factory(streaming_app)
    with RawClient(server) as raw:
        raw.send(b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = raw.read_response("HEAD")
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert raw.read_response().body == b"one,two"
    assert head.status == 200
    assert head.header("Transfer-Encoding") is None


def test_write_callable_and_iterable_close(unix_server_factory: UnixServerFactory) -> None:
    closed = threading.Event()

    class Result:
        def __iter__(self) -> Iterator[bytes]:
            yield b" world"

        def close(self) -> None:
            closed.set()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        write = start_response("200 OK", [("Content-Length", "11")])
        write(b"hello")
        return Result()

    server = unix_server_factory(app)
    assert get(server, "/").getheader("Content-Length") == "11"
    assert closed.wait(10)  # called after the last byte went out: the client may be first
    conn = UnixHTTPConnection(server)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"hello world"
    conn.close()


def test_application_exception_answers_500_and_is_recorded(
    unix_server_factory: UnixServerFactory,
) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise LookupError("no such thing")

    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(b"POST /boom HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi")
        response = raw.read_response()
        assert raw.closed_by_server()
    assert response.status == 500
    assert b"LookupError: no such thing" in response.body
    [error] = server.errors
    assert isinstance(error, LookupError)
    assert [(r.path, r.body) for r in server.requests] == [("/boom", b"hi")]


def test_exception_after_start_response_replaces_the_response(
    unix_server_factory: UnixServerFactory,
) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        if environ["REQUEST_METHOD"] == "GET":
            raise ValueError("late")
        yield b"never"

    server = unix_server_factory(app)
    response = get(server, "/")
    assert response.status == 500
    assert [type(error) for error in server.errors] == [ValueError]


def test_exception_mid_stream_cuts_the_response(unix_server_factory: UnixServerFactory) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"partial"
        raise RuntimeError("mid-stream")

    server = unix_server_factory(app)
    conn = UnixHTTPConnection(server)
    conn.request("GET", "/")
    response = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    conn.close()
    assert [str(error) for error in server.errors] == ["mid-stream"]


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ([("Content-Length", "3")], [b"toolong"], "sent 7 bytes for a Content-Length of 3"),
        ([("Transfer-Encoding", "chunked")], [b""], "must not set Transfer-Encoding"),
        ([("Bad Name", "x")], [b""], "invalid response header"),
        ([("X-Injected", "a\r\nb")], [b""], "invalid response header"),
    ],
)
def test_application_protocol_mistakes_are_errors(
    unix_server_factory: UnixServerFactory,
    headers: list[tuple[str, str]],
    body: list[bytes],
    message: str,
) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", headers)
        return body

    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        raw.rfile.read()  # whatever was sent, the server closes the connection
    [error] = server.errors
    assert message in str(error)


def test_short_body_closes_the_connection(unix_server_factory: UnixServerFactory) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "10")])
        return [b"short"]

    server = unix_server_factory(app)
    conn = UnixHTTPConnection(server)
    conn.request("GET", "/")
    with pytest.raises(http.client.IncompleteRead):
        conn.getresponse().read()
    conn.close()
    assert server.errors == []


def test_missing_start_response_is_an_error(unix_server_factory: UnixServerFactory) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return [b"no status"]

    server = unix_server_factory(app)
    assert get(server, "/").status == 500
    assert "start_response" in str(server.errors[0])


# ----------------------------------------------------------------------------- WSGI environ


def test_environ_follows_pep_3333(unix_server_factory: UnixServerFactory) -> None:
    seen: list[dict[str, Any]] = []

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen.append({key: value for key, value in environ.items() if key != "wsgi.input"})
        start_response("200 OK", [("Content-Length", "0")])
        return []

    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(
            b"POST /a%2Fb/%E2%82%AC?q=%20x&r HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 0\r\nX-Multi: 1\r\nX-Multi: 2\r\n"
            b"X-Under_Score: dropped\r\n\r\n"
        )
        raw.read_response()
    [environ] = seen
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/a/b/\xe2\x82\xac"
    assert environ["QUERY_STRING"] == "q=%20x&r"
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("text/plain", "0")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("localhost", "0")
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["HTTP_X_MULTI"] == "1, 2"
    assert "HTTP_X_UNDER_SCORE" not in environ
    assert "HTTP_CONTENT_TYPE" not in environ
    assert environ["wsgi.version"] == (1, 0)
    assert environ["wsgi.url_scheme"] == "http"
    assert (environ["wsgi.multithread"], environ["wsgi.multiprocess"]) == (True, False)
    assert environ["wsgi.run_once"] is False
    assert hasattr(environ["wsgi.errors"], "write")
    assert environ["unixsocket.address"] == server.address
    assert server.requests[0].header("X-Under_Score") == "dropped"  # recorded all the same


def test_chunked_request_has_no_content_length(unix_server_factory: UnixServerFactory) -> None:
    seen: list[WSGIEnvironment] = []

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen.append(dict(environ))
        return echo_app(environ, start_response)

    server = unix_server_factory(app)
    conn = UnixHTTPConnection(server)
    conn.request("POST", "/", body=iter([b"abc"]), encode_chunked=True)
    assert conn.getresponse().read() == b"abc"
    conn.close()
    assert "CONTENT_LENGTH" not in seen[0]
    assert seen[0]["wsgi.input_terminated"] is True


def test_recorded_request_keeps_the_wire_form(unix_server: UnixSocketServerThread) -> None:
    with RawClient(unix_server) as raw:
        raw.send(
            b"\r\nGET http://localhost/p%20q?a=b HTTP/1.1\r\nHost: localhost\r\n"
            b"x-lower: v1\r\nX-UPPER:  v2 \r\n\r\n"
        )
        assert raw.read_response().status == 200
    [request] = unix_server.requests
    assert request.target == "http://localhost/p%20q?a=b"
    assert (request.path, request.query) == ("/p%20q", "a=b")
    assert request.headers == (("Host", "localhost"), ("x-lower", "v1"), ("X-UPPER", "v2"))
    assert request.header("X-Lower") == "v1"
    assert request.header("Missing") is None


# ---------------------------------------------------------------------------- bad requests


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTQ/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400),
    ],
)
def test_malformed_requests_are_refused(
    unix_server_factory: UnixServerFactory, request_bytes: bytes, status: int
) -> None:
    server = unix_server_factory(echo_app)
    with RawClient(server) as raw:
        raw.send(request_bytes)
        response = raw.read_response()
        assert raw.closed_by_server()
    assert response.status == status
    assert response.header("Connection") == "close"
    assert server.errors == []


def test_client_vanishing_mid_body_is_not_an_application_error(
    unix_server_factory: UnixServerFactory,
) -> None:
    server = unix_server_factory(echo_app)
    with RawClient(server) as raw:
        raw.send(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\npartial")
        raw.sock.shutdown(socket.SHUT_WR)
        assert raw.closed_by_server()
    assert server.errors == []
    assert server.requests == []


@pytest.mark.parametrize(
    "partial",
    [
        b"GET / HTTP/1.1\r\nHost: loc",
        b"GET / HTTP/1.1\r\nHost: localhost\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTrailer: x",
    ],
)
def test_client_vanishing_mid_request_ends_the_connection_quietly(
    unix_server: UnixSocketServerThread, partial: bytes
) -> None:
    with RawClient(unix_server) as raw:
        raw.send(partial)
        raw.sock.shutdown(socket.SHUT_WR)
        assert raw.closed_by_server()
    assert (unix_server.requests, unix_server.errors) == ([], [])


def test_asterisk_form_target(unix_server: UnixSocketServerThread) -> None:
    with RawClient(unix_server) as raw:
        raw.send(b"OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert raw.read_response().header("X-Requested-Path") == "*"
    [request] = unix_server.requests
    assert (request.target, request.path, request.query) == ("*", "*", "")


def test_application_date_header_is_kept(unix_server_factory: UnixServerFactory) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("304 Not Modified", [("Date", "Thu, 01 Jan 1970 00:00:00 GMT")])
        return []

    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        response = raw.read_response()
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")  # no body: still in step
        assert raw.read_response().status == 304
    assert response.headers == [("Date", "Thu, 01 Jan 1970 00:00:00 GMT")]


def twice(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [])
    start_response("201 Created", [])
    return []


def bad_status(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("2000 OK", [])
    return []


def bad_length(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Length", "ten")])
    return []


def silent(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    return []


def late_exc_info(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
    start_response("200 OK", [])
    yield b"sent"
    try:
        raise KeyError("late")
    except KeyError:
        start_response("500 Internal Server Error", [], sys.exc_info())


@pytest.mark.parametrize(
    ("app", "message"),
    [
        (twice, "start_response() called a second time"),
        (bad_status, "invalid WSGI status '2000 OK'"),
        (bad_length, "invalid Content-Length ['ten']"),
        (silent, "returned without calling start_response()"),
        (late_exc_info, "'late'"),
    ],
)
def test_start_response_misuse_is_an_error(
    unix_server_factory: UnixServerFactory, app: WSGIApplication, message: str
) -> None:
    server = unix_server_factory(app)
    with RawClient(server) as raw:
        raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        raw.rfile.read()
    [error] = server.errors
    assert message in str(error)
