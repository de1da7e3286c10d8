"""Against real servers started by the test: uvicorn --uds and gunicorn --bind unix:."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

import requests_unixsocket
from requests_unixsocket import Session
from unixsocket_testutils import server_process
from unixsocket_url import build_url

HERE = os.path.dirname(os.path.abspath(__file__))


def _start(command: list[str], socket_path: str) -> Iterator[str]:
    with server_process(command, socket_path, cwd=HERE, stdout=subprocess.DEVNULL):
        yield socket_path


@pytest.fixture
def uvicorn_socket(sockdir: str) -> Iterator[str]:
    path = os.path.join(sockdir, "uvicorn.sock")
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "server_apps:asgi_app",
        "--uds",
        path,
        "--app-dir",
        HERE,
        "--log-level",
        "warning",
        "--no-access-log",
        "--lifespan",
        "off",
    ]
    yield from _start(command, path)


@pytest.fixture
def gunicorn_socket(sockdir: str) -> Iterator[str]:
    path = os.path.join(sockdir, "gunicorn.sock")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "server_apps:wsgi_app",
        "--bind",
        f"unix:{path}",
        "--chdir",
        HERE,
        "--workers",
        "1",
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--keep-alive",
        "5",
    ]
    yield from _start(command, path)


def test_uvicorn(uvicorn_socket: str) -> None:
    with Session() as session:
        for i in range(20):
            data = session.get(build_url(uvicorn_socket, f"/items/{i}", query={"n": str(i)})).json()
            assert data["path"] == f"/items/{i}"
            assert data["query"] == f"n={i}"
            assert data["host"] == "localhost"
        posted = session.post(build_url(uvicorn_socket, "/create"), json={"Image": "x"}).json()
        assert posted["body"] == '{"Image": "x"}'
        assert posted["method"] == "POST"
        chunked = session.put(build_url(uvicorn_socket, "/up"), data=iter([b"a", b"b", b"c"]))
        assert chunked.json()["body"] == "abc"
        redirected = session.get(build_url(uvicorn_socket, "/redirect"))
        assert redirected.json()["path"] == "/landed"
        # every request above went over one keep-alive connection
        adapter = session.get_adapter("http+unix://")
        assert isinstance(adapter, requests_unixsocket.UnixAdapter)
        assert len(adapter.poolmanager.pools) == 1
        assert adapter.get_connection(build_url(uvicorn_socket, "/")).num_connections == 1


def test_uvicorn_through_monkeypatch(uvicorn_socket: str) -> None:
    with requests_unixsocket.monkeypatch():
        assert requests.get(build_url(uvicorn_socket, "/mp")).json()["server"] == "uvicorn"


def test_gunicorn(gunicorn_socket: str) -> None:
    with Session() as session:
        data = session.get(build_url(gunicorn_socket, "/g", query={"a": "b c"})).json()
        assert data == {
            "server": "gunicorn",
            "method": "GET",
            "path": "/g",
            "query": "a=b%20c",
            "body": "",
            "host": "localhost",
        }
        assert session.post(build_url(gunicorn_socket, "/p"), data=b"xyz").json()["body"] == "xyz"


def test_server_gone_after_terminate(sockdir: str) -> None:
    path = os.path.join(sockdir, "uvicorn.sock")
    fixture = _start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server_apps:asgi_app",
            "--uds",
            path,
            "--app-dir",
            HERE,
            "--log-level",
            "warning",
            "--lifespan",
            "off",
        ],
        path,
    )
    next(fixture)
    with Session() as session:
        assert session.get(build_url(path, "/up")).status_code == 200
        for _ in fixture:  # terminate the server
            pass
        with pytest.raises(requests.ConnectionError, match=r"uvicorn\.sock"):
            session.get(build_url(path, "/down"))
