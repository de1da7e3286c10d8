"""Redirects through UnixPoolManager: followed on the socket, refused into it from elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from unixsocket_testutils import Reply, ScriptedServer, echo
from urllib3_unixsocket import RedirectRefused, UnixPoolManager


def redirecting_app(locations: dict[str, tuple[str, str]]) -> Any:
    """A WSGI app: paths in *locations* answer (status, Location); others echo method and path."""

    def app(environ: Any, start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read()
        path = environ["PATH_INFO"]
        if path in locations:
            status, location = locations[path]
            start_response(status, [("Location", location), ("Content-Length", "0")])
            return []
        data = f"{environ['REQUEST_METHOD']} {path} {body.decode()}".encode()
        start_response("200 OK", [("Content-Length", str(len(data)))])
        return [data]

    return app


def test_relative_redirect_stays_on_the_socket(unix_server_factory: Any) -> None:
    server = unix_server_factory(
        redirecting_app({"/start": ("302 Found", "/landed"), "/a/b": ("301 Moved", "c?x=1")})
    )
    with UnixPoolManager() as pm:
        assert pm.request("GET", server.url_for("/start")).data == b"GET /landed "
        assert pm.request("GET", server.url_for("/a/b")).data == b"GET /a/c "
    assert [seen.target for seen in server.requests] == ["/start", "/landed", "/a/b", "/a/c?x=1"]
    assert server.accepted_connections == 1


def test_absolute_redirect_to_the_same_socket(unix_server_factory: Any) -> None:
    locations: dict[str, tuple[str, str]] = {}
    server = unix_server_factory(redirecting_app(locations))
    locations["/start"] = ("307 Temporary Redirect", server.url_for("/again"))
    with UnixPoolManager() as pm:
        response = pm.request("POST", server.url_for("/start"), body=b"payload")
    assert response.data == b"POST /again payload"


def test_303_turns_the_request_into_a_get_without_body(unix_server_factory: Any) -> None:
    server = unix_server_factory(redirecting_app({"/form": ("303 See Other", "/result")}))
    with UnixPoolManager() as pm:
        response = pm.request(
            "POST", server.url_for("/form"), body=b"a=1", headers={"Content-Type": "text/plain"}
        )
    assert response.data == b"GET /result "
    assert server.requests[1].header("Content-Type") is None


def test_redirect_to_another_socket_is_refused(unix_server_factory: Any) -> None:
    other = unix_server_factory()
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", other.url_for("/x"))}))
    with UnixPoolManager() as pm, pytest.raises(RedirectRefused) as info:
        pm.request("GET", server.url_for("/go"))
    assert info.value.location == other.url_for("/x")
    assert "different socket" in str(info.value)
    assert other.usock in str(info.value)
    assert other.accepted_connections == 0


def test_redirect_from_tcp_into_a_socket_is_refused(unix_server: Any) -> None:
    target = unix_server.url_for("/containers/create")

    def handler(request: Any) -> Any:
        return Reply(307, headers=[("Location", target)])

    with (
        ScriptedServer(handler, tcp=True) as tcp,
        UnixPoolManager() as pm,
        pytest.raises(RedirectRefused, match="into the UNIX socket") as info,
    ):
        pm.request("POST", tcp.url_for("/evil"), body=b'{"Image": "x"}')
    assert info.value.location == target
    assert unix_server.accepted_connections == 0


def test_refusal_can_be_lifted(unix_server_factory: Any) -> None:
    other = unix_server_factory()
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", other.url_for("/x"))}))
    with UnixPoolManager(allow_socket_redirects=True) as pm:
        assert pm.request("GET", server.url_for("/go")).status == 200
    assert other.requests[0].target == "/x"


def test_credentials_are_dropped_when_a_redirect_leaves_the_socket(
    unix_server_factory: Any,
) -> None:
    with ScriptedServer(echo, tcp=True) as tcp:
        server = unix_server_factory(
            redirecting_app({"/out": ("302 Found", tcp.url_for("/outside")), "/in": ("302", "/x")})
        )
        secrets = {"Authorization": "Bearer s3cret", "Cookie": "id=1", "X-Other": "kept"}
        with UnixPoolManager() as pm:
            assert pm.request("GET", server.url_for("/in"), headers=secrets).status == 200
            assert pm.request("GET", server.url_for("/out"), headers=secrets).status == 200
    same_socket = server.requests[1]
    assert same_socket.header("Authorization") == "Bearer s3cret"
    assert same_socket.header("Cookie") == "id=1"
    (outside,) = tcp.requests
    assert outside.header("authorization") is None
    assert outside.header("cookie") is None
    assert outside.header("x-other") == "kept"


def test_redirect_limit_is_the_retry_limit(unix_server_factory: Any) -> None:
    server = unix_server_factory(redirecting_app({"/loop": ("302 Found", "/loop")}))
    with UnixPoolManager() as pm, pytest.raises(MaxRetryError):
        pm.request("GET", server.url_for("/loop"), retries=Retry(redirect=3))
    assert len(server.requests) == 4


def test_redirects_not_followed_when_disabled(unix_server_factory: Any) -> None:
    server = unix_server_factory(redirecting_app({"/go": ("302 Found", "http+unix://%2Fx/")}))
    with UnixPoolManager() as pm:
        response = pm.request("GET", server.url_for("/go"), redirect=False)
    assert response.status == 302
    assert response.headers["Location"] == "http+unix://%2Fx/"
