"""A WSGI application that answers like the daemons the docs and examples talk to.

Served by the shared test server (``unixsocket_testutils.UnixSocketServerThread``), it stands in
for the Docker Engine API and Podman's libpod API (version, info, list containers, create,
container logs as Docker's multiplexed stream) so that examples written against real daemons run
in every test environment. Any other path answers a JSON echo of the request.
"""

from __future__ import annotations

import json
import re
import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

VERSION = {"Version": "27.1.1", "ApiVersion": "1.45", "Os": "linux", "Arch": "amd64"}
CONTAINERS = [
    {"Id": "0123456789ab" * 4, "Names": ["/web"], "Image": "nginx:1.27", "State": "running"},
    {"Id": "ba9876543210" * 4, "Names": ["/db"], "Image": "postgres:16", "State": "running"},
]
LOG_LINES = [f"log line {i}\n" for i in range(1, 6)]

_API_PREFIX = re.compile(r"^(/v[0-9.]+)?(/libpod)?")


def docker_frame(stream: int, data: bytes) -> bytes:
    """One frame of Docker's multiplexed log stream: stream (1 stdout, 2 stderr), size, data."""
    return struct.pack(">BxxxL", stream, len(data)) + data


def _json(start_response: StartResponse, body: Any, status: str = "200 OK") -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _logs(start_response: StartResponse) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "application/vnd.docker.multiplexed-stream")])
    for i, line in enumerate(LOG_LINES):  # no Content-Length: sent chunked, frame by frame
        yield docker_frame(2 if i == 2 else 1, line.encode())


def daemon_app(  # noqa: PLR0911 - one return per endpoint
    environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """Docker/Podman-like answers for the endpoints the examples use; a JSON echo otherwise."""
    body = environ["wsgi.input"].read()
    method = environ["REQUEST_METHOD"]
    path = _API_PREFIX.sub("", environ["PATH_INFO"], count=1)
    if path == "/_ping":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"OK"]
    if path == "/version":
        return _json(start_response, VERSION)
    if path == "/info":
        return _json(start_response, {"ServerVersion": VERSION["Version"], "Containers": 2})
    if path == "/containers/json":
        return _json(start_response, CONTAINERS)
    if path == "/containers/create" and method == "POST":
        return _json(start_response, {"Id": CONTAINERS[0]["Id"], "Warnings": []}, "201 Created")
    if re.fullmatch(r"/containers/[^/]+/logs", path):
        return _logs(start_response)
    return _json(
        start_response,
        {
            "method": method,
            "path": environ["PATH_INFO"],
            "query": environ["QUERY_STRING"],
            "body": body.decode("utf-8", "replace"),
        },
    )
