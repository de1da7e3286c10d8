"""Podman's REST API (libpod) over its UNIX socket, with httpx: version, containers, logs.

    podman system service --time=0 &                 # rootless: $XDG_RUNTIME_DIR/podman/podman.sock
    python examples/podman.py [--logs CONTAINER]

Exits 0 with a message when no Podman service is there.
"""

from __future__ import annotations

import argparse
import os
import sys

import httpx

import httpx_unixsocket
from unixsocket_url import build_url

API = "/v4.0.0/libpod"


def podman_socket() -> str:
    """``CONTAINER_HOST=unix:///path``, else the rootless or the rootful default."""
    host = os.environ.get("CONTAINER_HOST")
    if host:
        if not host.startswith("unix://"):
            raise SystemExit(f"this example speaks to a UNIX socket; CONTAINER_HOST is {host!r}")
        return host[len("unix://") :]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if os.geteuid() != 0 and runtime:
        return os.path.join(runtime, "podman", "podman.sock")
    return "/run/podman/podman.sock"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", metavar="CONTAINER", help="stream this container's logs")
    args = parser.parse_args(argv)
    socket_path = podman_socket()

    with httpx_unixsocket.Client(base_url=build_url(socket_path), timeout=5) as client:
        try:
            version = client.get(f"{API}/version").json()
        except httpx.ConnectError as exc:
            print(f"No Podman service here: {exc}")
            print("Start one with `podman system service --time=0`, or set CONTAINER_HOST")
            return 0
        print(f"Podman API {version['ApiVersion']} (server {version['Version']}) on {socket_path}")
        containers = client.get(f"{API}/containers/json").json()
        print(f"{len(containers)} running container(s)")
        for container in containers:
            print(f"  {container['Id'][:12]}  {container['Image']:<20} {container['Names'][0]}")

        if args.logs:
            params = {"stdout": "true", "stderr": "true", "follow": "false"}
            url = f"{API}/containers/{args.logs}/logs"
            with client.stream("GET", url, params=params, timeout=60) as response:
                response.raise_for_status()
                print(f"logs: {sum(len(chunk) for chunk in response.iter_bytes())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
