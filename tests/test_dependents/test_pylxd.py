"""pylxd 2.3.4, unchanged, against our requests-unixsocket and a fake LXD API on a socket.

pylxd calls ``requests_unixsocket.monkeypatch()`` when imported and talks to LXD through
``requests_unixsocket.Session()``. It is installed only in the ``dependents`` environment
(``scripts/test-dependents``), without the ``urllib3<2`` and ``requests<2.32`` pins it carries
for the old package's bugs; importing it patches ``requests`` for good, as it does in pylxd's
users' processes.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import requests_unixsocket
from unixsocket_testutils import UnixSocketServerThread
from unixsocket_url import build_url

pylxd = pytest.importorskip(
    "pylxd",
    reason="pylxd 2.3.4 is installed only in the dependents environment (scripts/test-dependents)",
)

INSTANCES = {
    "web": {"name": "web", "status": "Running", "status_code": 103, "architecture": "x86_64"},
    "db": {"name": "db", "status": "Stopped", "status_code": 102, "architecture": "x86_64"},
}
SERVER = {
    "api_extensions": ["instances"],
    "api_status": "stable",
    "api_version": "1.0",
    "auth": "trusted",
    "environment": {"server_clustered": False, "server_name": "fake"},
}


def fake_lxd(environ: Any, start_response: Any) -> list[bytes]:
    """LXD's REST API as pylxd reads it: sync envelopes, 404 as an error envelope."""
    path = environ["PATH_INFO"]
    name = path.removeprefix("/1.0/instances/")
    body: dict[str, Any]
    if path == "/1.0":
        status, body = "200 OK", {"type": "sync", "metadata": SERVER}
    elif path == "/1.0/instances":
        urls = [f"/1.0/instances/{n}" for n in INSTANCES]
        status, body = "200 OK", {"type": "sync", "metadata": urls}
    elif path.startswith("/1.0/instances/") and name in INSTANCES:
        status, body = "200 OK", {"type": "sync", "metadata": INSTANCES[name]}
    else:
        status = "404 Not Found"
        body = {"type": "error", "error": "Instance not found", "error_code": 404}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json")])
    return [data]


@pytest.fixture
def lxd() -> Iterator[UnixSocketServerThread]:
    with UnixSocketServerThread(app=fake_lxd) as server:
        yield server


def test_the_release_built_on_requests_unixsocket() -> None:
    assert importlib.metadata.version("pylxd") == "2.3.4"
    assert importlib.metadata.version("requests-unixsocket") == requests_unixsocket.__version__


def test_connect_list_get_and_not_found(lxd: UnixSocketServerThread) -> None:
    client = pylxd.Client(endpoint=lxd.usock)  # a path: pylxd builds the http+unix URL
    assert client.trusted
    assert client.host_info["environment"]["server_name"] == "fake"
    assert [i.name for i in client.instances.all()] == ["web", "db"]
    web = client.instances.get("web")
    assert (web.name, web.status, web.architecture) == ("web", "Running", "x86_64")
    with pytest.raises(pylxd.exceptions.NotFound) as info:
        client.instances.get("nope")
    assert str(info.value) == "Instance not found"
    assert not client.instances.exists("nope")
    targets = [r.target for r in lxd.requests]
    assert targets == [
        "/1.0",
        "/1.0/instances",
        "/1.0/instances/web",
        "/1.0/instances/nope",
        "/1.0/instances/nope",
    ]
    assert lxd.accepted_connections == 1  # one keep-alive connection for the whole client


def test_endpoint_url_and_the_import_time_monkeypatch(lxd: UnixSocketServerThread) -> None:
    client = pylxd.Client(endpoint=build_url(lxd.usock))
    assert client.api.instances.get().json()["metadata"] == [
        "/1.0/instances/web",
        "/1.0/instances/db",
    ]
    # ``import pylxd`` ran requests_unixsocket.monkeypatch(): plain requests speaks sockets
    assert requests.get(lxd.url_for("/1.0")).json()["metadata"]["auth"] == "trusted"


def test_missing_socket_is_client_connection_failed(sockdir: str) -> None:
    path = os.path.join(sockdir, "lxd.sock")
    with pytest.raises(pylxd.exceptions.ClientConnectionFailed) as info:
        pylxd.Client(endpoint=build_url(path))
    assert f"cannot connect to UNIX socket '{path}': no such file or directory" in str(info.value)
