"""HTTPie with its httpie-unixsocket plugin, unchanged, against our requests-unixsocket.

The plugin does ``from requests_unixsocket import UnixAdapter, DEFAULT_SCHEME`` and mounts
``UnixAdapter()`` on HTTPie's own ``requests.Session``; HTTPie follows redirects itself through
``response.next``. Each test runs the real ``http`` command against a test server's socket.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import build_url

HTTP = Path(sys.executable).with_name("http")
PAYLOAD = bytes(range(256)) * 4096  # 1 MiB, every byte value


def app(environ: Any, start_response: Any) -> Any:
    path = environ["PATH_INFO"]
    if path == "/relative":
        start_response("302 Found", [("Location", "/echo?via=relative")])
        return [b""]
    if path == "/absolute":
        location = build_url(environ["test.socket"], "/echo", query={"via": "absolute"})
        start_response("301 Moved Permanently", [("Location", location)])
        return [b""]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])  # chunked
        return (f"line {i}\n".encode() for i in range(5))
    if path == "/file.bin":
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", str(len(PAYLOAD))),
            ],
        )
        return [PAYLOAD]
    body = environ["wsgi.input"].read()
    echo = {
        "method": environ["REQUEST_METHOD"],
        "path": path,
        "query": environ["QUERY_STRING"],
        "content_type": environ.get("CONTENT_TYPE", ""),
        "body": body.decode(),
    }
    data = json.dumps(echo).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [data]


@pytest.fixture
def server(sockdir: str) -> Iterator[UnixSocketServerThread]:
    socket = os.path.join(sockdir, "api.sock")

    def with_socket(environ: Any, start_response: Any) -> Any:
        environ["test.socket"] = socket
        return app(environ, start_response)

    with UnixSocketServerThread(app=with_socket, path=socket) as running:
        yield running


def http(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run HTTPie as a user would, with a private config directory and no proxies."""
    env = {
        k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "HTTPIE_CONFIG_DIR"
    }
    env["HTTPIE_CONFIG_DIR"] = str(cwd / ".httpie")
    return subprocess.run(
        [str(HTTP), "--ignore-stdin", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_the_plugin_is_loaded_from_its_entry_point(tmp_path: Path) -> None:
    result = http(tmp_path, "--debug", "--offline", "http+unix://%2Fx/")
    assert "httpie_unixsocket" in result.stderr
    assert result.returncode == 0, result.stderr


def test_get_with_a_query(server: UnixSocketServerThread, tmp_path: Path) -> None:
    result = http(tmp_path, "--print=b", "GET", server.url_for("/echo"), "q==a b", "n==1")
    assert result.returncode == 0, result.stderr
    echo = json.loads(result.stdout)
    assert (echo["method"], echo["path"], echo["query"]) == ("GET", "/echo", "q=a+b&n=1")


def test_post_json(server: UnixSocketServerThread, tmp_path: Path) -> None:
    result = http(tmp_path, "--print=b", "POST", server.url_for("/echo"), "name=x", "n:=1")
    assert result.returncode == 0, result.stderr
    echo = json.loads(result.stdout)
    assert echo["method"] == "POST"
    assert echo["content_type"] == "application/json"
    assert json.loads(echo["body"]) == {"name": "x", "n": 1}


def test_stream(server: UnixSocketServerThread, tmp_path: Path) -> None:
    result = http(tmp_path, "--stream", "--print=b", server.url_for("/stream"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"line {i}" for i in range(5)]


def test_download(server: UnixSocketServerThread, tmp_path: Path) -> None:
    out = tmp_path / "got.bin"
    result = http(tmp_path, "--download", "--output", str(out), server.url_for("/file.bin"))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == PAYLOAD
    assert "Done." in result.stderr


@pytest.mark.parametrize("start", ["/relative", "/absolute"])
def test_follow_same_socket_redirects(
    server: UnixSocketServerThread, tmp_path: Path, start: str
) -> None:
    result = http(tmp_path, "--follow", "--all", "--print=hb", server.url_for(start))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("HTTP/1.1 ") == 2  # the redirect, then the page
    echo = json.loads(result.stdout[result.stdout.rindex("{") :])
    assert (echo["path"], echo["query"]) == ("/echo", f"via={start[1:]}")
    assert server.accepted_connections == 1


def test_missing_socket(sockdir: str, tmp_path: Path) -> None:
    path = os.path.join(sockdir, "gone.sock")
    result = http(tmp_path, build_url(path, "/x"))
    assert result.returncode == 1
    assert "ConnectionError" in result.stderr
    assert f"cannot connect to UNIX socket '{path}': no such file or directory" in result.stderr
