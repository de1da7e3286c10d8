"""The Docker Engine API over its UNIX socket, with requests: version, containers, logs.

    python examples/docker_engine.py                 # the daemon at $DOCKER_HOST or the default
    python examples/docker_engine.py --logs web      # stream a container's logs (stream=True)

Exits 0 with a message when no daemon is there.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from typing import TYPE_CHECKING

import requests

import requests_unixsocket
from unixsocket_url import build_url

if TYPE_CHECKING:
    from collections.abc import Iterator

API = "/v1.45"  # Docker Engine 26+; older daemons answer 400 to newer versions


def docker_socket() -> str:
    """The daemon's socket: ``DOCKER_HOST=unix:///path`` or Docker's default."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise SystemExit(f"this example speaks to a UNIX socket; DOCKER_HOST is {host!r}")
    return host[len("unix://") :]


def demultiplex(chunks: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """Docker's log stream for containers without a TTY: 8-byte headers (stream, size), data."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= 8:
            stream, size = struct.unpack(">BxxxL", buffer[:8])
            if len(buffer) < 8 + size:
                break
            yield stream, buffer[8 : 8 + size]
            buffer = buffer[8 + size :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", metavar="CONTAINER", help="stream this container's logs")
    parser.add_argument("--tail", default="20", help="log lines to start from (default 20)")
    args = parser.parse_args(argv)
    socket_path = docker_socket()

    with requests_unixsocket.Session() as session:
        try:
            version = session.get(build_url(socket_path, f"{API}/version"), timeout=5).json()
        except requests.ConnectionError as exc:
            print(f"No Docker daemon here: {exc}")
            print("Start Docker, or set DOCKER_HOST=unix:///path/to/docker.sock")
            return 0
        print(f"Docker {version['Version']} (API {version['ApiVersion']}) on {socket_path}")

        containers = session.get(build_url(socket_path, f"{API}/containers/json")).json()
        print(f"{len(containers)} running container(s)")
        for container in containers:
            print(f"  {container['Id'][:12]}  {container['Image']:<20} {container['Names'][0]}")

        if args.logs:
            query = {"stdout": "1", "stderr": "1", "follow": "0", "tail": args.tail}
            url = build_url(socket_path, f"{API}/containers/{args.logs}/logs", query=query)
            with session.get(url, stream=True, timeout=(5, 60)) as response:
                response.raise_for_status()
                for stream, data in demultiplex(response.iter_content(chunk_size=None)):
                    name = "stderr" if stream == 2 else "stdout"
                    print(f"{name}: {data.decode(errors='replace').rstrip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
