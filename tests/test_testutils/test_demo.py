"""The demo application ``python -m unixsocket_testutils`` serves, over a real socket."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

import unixsocket_url
from unixsocket_testutils import UnixSocketServerThread, demo_app, serve


@pytest.fixture(scope="module")
def demo() -> Iterator[UnixSocketServerThread]:
    with serve(demo_app) as server:
        yield server


def request(
    server: UnixSocketServerThread, method: str, target: str, body: bytes | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("localhost", timeout=10)
    conn.sock = unixsocket_url.connect(server.address, timeout=10)
    try:
        conn.request(method, target, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_root_is_hello_world(demo: UnixSocketServerThread) -> None:
    response, body = request(demo, "GET", "/")
    assert (response.status, body) == (200, b"Hello world!")


def test_info_and_health_are_json(demo: UnixSocketServerThread) -> None:
    response, body = request(demo, "GET", "/v1/info")
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    info = json.loads(body)
    assert info["socket"] == demo.usock
    assert set(info["routes"]) == {"/", "/v1/info", "/health", "/echo", "/redirect", "/stream"}
    assert json.loads(request(demo, "GET", "/health")[1]) == {"status": "ok"}
    head, nothing = request(demo, "HEAD", "/health")
    assert (head.status, nothing, head.getheader("Content-Length")) == (200, b"", "16")


def test_unknown_path_is_a_json_404(demo: UnixSocketServerThread) -> None:
    response, body = request(demo, "GET", "/v1/nothing")
    assert response.status == 404
    assert json.loads(body) == {"error": "not found", "path": "/v1/nothing"}


def test_other_methods_are_405_except_on_echo(demo: UnixSocketServerThread) -> None:
    response, body = request(demo, "POST", "/health", b"{}")
    assert (response.status, response.getheader("Allow")) == (405, "GET, HEAD")
    assert json.loads(body) == {"error": "POST not allowed"}
    response, body = request(demo, "POST", "/echo?x=1", b'{"a": 1}')
    echoed = json.loads(body)
    assert response.status == 200
    assert (echoed["method"], echoed["path"], echoed["query"]) == ("POST", "/echo", "x=1")
    assert echoed["body"] == '{"a": 1}'
    assert echoed["headers"]["Content-Type"] == "application/json"
    assert echoed["headers"]["Content-Length"] == "8"


def test_redirect(demo: UnixSocketServerThread) -> None:
    response, _ = request(demo, "GET", "/redirect")
    assert (response.status, response.getheader("Location")) == (302, "/v1/info")


def test_stream_is_chunked_json_lines(demo: UnixSocketServerThread) -> None:
    response, body = request(demo, "GET", "/stream?lines=3")
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert [json.loads(line) for line in body.splitlines()] == [{"line": n} for n in (1, 2, 3)]
    assert request(demo, "GET", "/stream")[1].count(b"\n") == 5
    for bad in ("-1", "1001", "many"):
        response, body = request(demo, "GET", f"/stream?lines={bad}")
        assert response.status == 400
        assert json.loads(body) == {"error": "lines is a whole number from 0 to 1000"}
