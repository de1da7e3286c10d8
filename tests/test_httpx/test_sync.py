"""The sync client and transport against the shared test server: routing, keep-alive, headers."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest
from support.httpx_flavor import (
    CORE,
    DISTRIBUTION,
    LIBRARY,
    PACKAGE,
    Client,
    UnixTransport,
    httpx,
    httpx_unixsocket,
)

from unixsocket_testutils import UnixSocketServerThread


def test_public_constants_and_classes() -> None:
    assert httpx_unixsocket.UNIX_SOCKET_EXTENSION == "unix_socket"
    assert issubclass(httpx_unixsocket.RedirectRefused, httpx.RequestError)


def test_depends_on_httpx_and_httpcore_not_requests() -> None:
    names = {
        req.split(";")[0].split("[")[0].split(">")[0].split("<")[0].strip()
        for req in requires(DISTRIBUTION) or []
    }
    assert {LIBRARY, CORE, "unixsocket-url", "anyio"} <= names
    assert not names & {"requests", "urllib3", "httpx", "httpcore"} - {LIBRARY, CORE}


def test_imports_no_other_flavors_library() -> None:
    """httpx2-unixsocket never imports httpx or httpcore (and httpx-unixsocket never httpx2)."""
    other = {"httpx": ("httpx2", "httpcore2"), "httpx2": ("httpx", "httpcore")}[LIBRARY]
    probe = f"import sys, {PACKAGE}; print(sorted(set(sys.modules) & {set(other)!r}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_bare_mounted_transport(unix_server: UnixSocketServerThread) -> None:
    transport = UnixTransport()
    with httpx.Client(mounts={"http+unix://": transport}) as client:
        assert client.get(unix_server.url_for("/one")).status_code == 200
        assert client.get(unix_server.url_for("/two")).status_code == 200
    assert [r.target for r in unix_server.requests] == ["/one", "/two"]
    assert [r.header("host") for r in unix_server.requests] == ["localhost", "localhost"]
    assert unix_server.accepted_connections == 1


def test_single_socket_mode_for_base_url_code(unix_server: UnixSocketServerThread) -> None:
    transport = UnixTransport(socket=unix_server.usock)
    assert transport.socket == unix_server.usock
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        assert client.get("/version").status_code == 200
        assert client.get("http+unix://%2Fsomewhere%2Felse.sock/info").status_code == 200
    assert [r.target for r in unix_server.requests] == ["/version", "/info"]
    assert [r.header("host") for r in unix_server.requests] == ["docker", "localhost"]
    assert unix_server.accepted_connections == 1


def test_transport_alone_refuses_plain_urls(unix_server: UnixSocketServerThread) -> None:
    with (
        httpx.Client(transport=UnixTransport()) as client,
        pytest.raises(httpx.UnsupportedProtocol, match="http\\+unix://"),
    ):
        client.get("http://example.com/")
    assert unix_server.requests == []


def test_ordinary_urls_behave_as_in_httpx(unix_server: UnixSocketServerThread) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"host": request.headers["host"]})

    with Client(transport=httpx.MockTransport(handler)) as client:
        response = client.get("http://example.com/x?y=1")
        assert response.json() == {"host": "example.com"}
        assert client.get(unix_server.url_for("/unix")).text == "Hello world!"
    assert seen == ["http://example.com/x?y=1"]
    assert [r.target for r in unix_server.requests] == ["/unix"]


def test_base_url_on_a_socket(unix_server: UnixSocketServerThread) -> None:
    with Client(base_url=unix_server.url_for("/api/")) as client:
        assert client.get("v1/items", params={"q": "a b"}).status_code == 200
    # the query is encoded by httpx (0.27 and 0.28 differ in how they write a space)
    expected = httpx.URL("http://h/api/v1/items", params={"q": "a b"}).raw_path.decode()
    assert [r.target for r in unix_server.requests] == [expected]


def test_request_bodies_of_every_kind(unix_server: UnixSocketServerThread, tmp_path: Path) -> None:
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"file-bytes" * 100)
    with Client() as client:
        client.put(unix_server.url_for("/bytes"), content=b"abc")
        client.put(unix_server.url_for("/iter"), content=iter([b"a", b"bc", b"def"]))
        with upload.open("rb") as handle:
            client.put(unix_server.url_for("/file"), content=handle)
        client.post(unix_server.url_for("/json"), json={"k": [1, 2]})
        client.post(unix_server.url_for("/form"), data={"a": "b c"})
    bodies = {r.target: r.body for r in unix_server.requests}
    assert bodies["/bytes"] == b"abc"
    assert bodies["/iter"] == b"abcdef"
    assert bodies["/file"] == b"file-bytes" * 100
    assert json.loads(bodies["/json"]) == {"k": [1, 2]}
    assert bodies["/form"] == b"a=b+c"


def test_head_and_streamed_response(unix_server: UnixSocketServerThread) -> None:
    with Client() as client:
        assert client.head(unix_server.url).content == b""
        with client.stream("GET", unix_server.url_for("/s")) as response:
            assert b"".join(response.iter_bytes(chunk_size=3)) == b"Hello world!"
    assert [r.method for r in unix_server.requests] == ["HEAD", "GET"]
    assert unix_server.accepted_connections == 2  # a HEAD's connection is not reused


def test_server_closing_idle_connection_reconnects(unix_server: UnixSocketServerThread) -> None:
    with Client() as client:
        assert client.get(unix_server.url_for("/1")).status_code == 200
        assert client.get(unix_server.url_for("/2"), headers={"Connection": "close"}).is_success
        assert client.get(unix_server.url_for("/3")).status_code == 200
    assert [r.connection_index for r in unix_server.requests] == [0, 0, 1]
