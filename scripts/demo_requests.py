"""The requests flavor at work: a demo section for scripts/demo.py.

    from demo_requests import section
    section(server.url)   # the base URL of a socket running the test server

Also runs on its own: ``python scripts/demo_requests.py`` starts a test server for it (the demo
application of ``python -m unixsocket_testutils``, whose routes this section uses).
"""

from __future__ import annotations

import json
import os
import tempfile

import requests

import requests_unixsocket
import unixsocket_url
from unixsocket_testutils import connected_server


def _heading(title: str) -> None:
    print(f"\n== {title}")


def _show(label: str, value: object) -> None:
    print(f"   {label:<24} {value}")


def section(base_url: str) -> None:
    """Print what requests-unixsocket does against the test server at *base_url*."""
    _heading("requests-unixsocket: a requests Session over the socket")
    address = unixsocket_url.parse_url(base_url).address
    with requests_unixsocket.Session() as session:
        info = session.get(unixsocket_url.build_url(address, "/v1/info")).json()
        _show("GET /v1/info", f"json: server {info['server']!r}, socket {info['socket']}")
        paths = ["/health", "/health?probe=2", "/no/such/path"]
        for path in paths:
            response = session.get(unixsocket_url.build_url(address, path))
            _show(f"GET {path}", f"{response.status_code} {response.reason} {response.json()}")
        pool = session.get_adapter(base_url).get_connection(base_url)  # type: ignore[attr-defined]
        _show("keep-alive", f"{len(paths) + 1} requests, {pool.num_connections} connection opened")

        response = session.get(unixsocket_url.build_url(address, "/redirect"))
        hops = " -> ".join(str(r.status_code) for r in [*response.history, response])
        _show("GET /redirect", f"{hops}, followed on the socket to {response.request.path_url}")

        url = unixsocket_url.build_url(address, "/stream", query={"lines": "3"})
        with session.get(url, stream=True) as response:
            lines = [json.loads(line)["line"] for line in response.iter_lines()]
        _show("GET /stream (stream=True)", f"lines {lines} as they came, chunked")

        response = session.post(unixsocket_url.build_url(address, "/echo"), json={"demo": True})
        echoed = response.json()["body"]
        _show("POST /echo json", f"{response.status_code}, the server read {echoed}")

    spec = f"unix://{os.fsdecode(address)}"  # as DOCKER_HOST writes a socket
    with requests_unixsocket.Session(sockets={"demo": spec}) as session:
        response = session.get("http+unix://demo/health")
        _show("named socket", f"sockets={{'demo': {spec!r}}}")
        _show("", f"GET http+unix://demo/health -> {response.status_code} {response.json()}")
    with connected_server() as sock, requests_unixsocket.Session(sockets={"child": sock}) as held:
        response = held.get("http+unix://child/v1/info")
        _show("held socket", f"a socketpair to a child process: GET -> {response.status_code}")

    with requests_unixsocket.monkeypatch():
        response = requests.get(unixsocket_url.build_url(address, "/health"))
        _show("monkeypatched get", f"requests.get -> {response.status_code} {response.text}")
    try:
        requests.get(unixsocket_url.build_url(address, "/health"))
    except requests.exceptions.InvalidSchema:
        _show("after the block", "plain requests.get raises InvalidSchema again")

    missing = os.path.join(tempfile.gettempdir(), "no-such-dir", "app.sock")
    try:
        requests_unixsocket.get(unixsocket_url.build_url(missing, "/"))
    except requests.ConnectionError as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, unixsocket_url.UnixConnectError):
            first = cause.args[0] if cause.args else None
            wrapped = first if isinstance(first, BaseException) else None
            cause = getattr(cause, "reason", None) or cause.__cause__ or wrapped
        _show("missing socket", cause if cause is not None else exc)


if __name__ == "__main__":
    from unixsocket_testutils import UnixSocketServerThread, demo_app

    with UnixSocketServerThread(app=demo_app) as server:
        section(server.url)
        _show(
            "server saw",
            f"{len(server.requests)} requests on {server.accepted_connections} connections",
        )
