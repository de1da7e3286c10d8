"""The main job: the unixsocket packages at work, against the embedded test server or a real socket.

    scripts/demo                              # the demo server on a temporary socket
    scripts/demo /var/run/docker.sock /version  # a real server: GET that path on that socket

Each flavor adds a section below; a section whose package is not installed says so and is skipped.
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import unixsocket_url
from unixsocket_testutils import UnixSocketServerThread, demo_app

Section = Callable[[str], None]
"""A demo section: it gets the base URL of a socket and prints what it does there."""


def heading(title: str) -> None:
    print(f"\n== {title}")


def show(label: str, value: object) -> None:
    print(f"   {label:<24} {value}")


class UnixHTTPConnection(http.client.HTTPConnection):
    """The standard library's HTTP client on a UNIX socket (dialed by unixsocket_url)."""

    def __init__(self, address: unixsocket_url.SocketAddress, timeout: float = 10.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = unixsocket_url.connect(self.address, self.timeout)


def urls_section(base: str) -> None:
    heading("unixsocket-url: one grammar for every flavor")
    parsed = unixsocket_url.parse_url(base)
    url = unixsocket_url.build_url(parsed.address, "/v1/items", query={"name": "a b+c"})
    show("built", url)
    request = unixsocket_url.parse_url(url)
    show("socket", request.socket_name)
    show("request target", request.target)
    show("as plain HTTP", request.http_url)
    for bad in ("http+unix:///run/app.sock/info", "http+unix://%2Fx%00y/", "http+unix://u@%2Fx/"):
        try:
            unixsocket_url.parse_url(bad)
        except unixsocket_url.InvalidURL as exc:
            show("rejected", f"{bad}\n{'':28}-> {exc}")
    try:
        unixsocket_url.connect("/nonexistent/app.sock", timeout=1)
    except unixsocket_url.UnixConnectError as exc:
        show("unreachable", exc)


def stdlib_section(base: str) -> None:
    heading("http.client over unixsocket_url.connect (keep-alive)")
    address = unixsocket_url.parse_url(base).address
    conn = UnixHTTPConnection(address)
    try:
        for method, path in (("GET", "/v1/info"), ("HEAD", "/health"), ("GET", "/no/such/path")):
            conn.request(method, path)
            response = conn.getresponse()
            data = response.read()
            show(f"{method} {path}", f"{response.status} {response.reason}, {len(data)} bytes")
            if path == "/v1/info":
                show("", f"routes: {', '.join(json.loads(data)['routes'])}")
        conn.request("POST", "/echo", body=b'{"demo": true}')
        response = conn.getresponse()
        echoed = json.loads(response.read())
        show("POST /echo", f"{response.status}: the server read {echoed['body']!r}")
    finally:
        conn.close()


FLAVOR_DEMOS = ("demo_requests", "demo_httpx")
"""Modules beside this script, each with a ``section(base_url)`` for one flavor."""


def sections() -> list[Section]:
    """The demo's sections: the bottom layer, then every flavor that is installed."""
    found: list[Section] = [urls_section, stdlib_section]
    for name in FLAVOR_DEMOS:
        try:
            found.append(importlib.import_module(name).section)
        except ModuleNotFoundError as exc:
            print(f"(skipping {name}: {exc})")
    return found


def talk_to(socket_path: str, path: str) -> None:
    url = unixsocket_url.build_url(socket_path, path)
    heading(f"GET {url}")
    conn = UnixHTTPConnection(unixsocket_url.normalize_address(socket_path))
    try:
        conn.request("GET", unixsocket_url.parse_url(url).target)
        response = conn.getresponse()
        body = response.read()
    except unixsocket_url.UnixConnectError as exc:
        sys.exit(f"demo: {exc}")
    finally:
        conn.close()
    show("status", f"{response.status} {response.reason}")
    for name, value in response.getheaders():
        show(name, value)
    text = body.decode("utf-8", "replace")
    print(text[:2000] + ("\n... (truncated)" if len(text) > 2000 else ""))


@contextmanager
def demo_server() -> Iterator[UnixSocketServerThread]:
    with UnixSocketServerThread(app=demo_app) as server:
        heading("the demo server of unixsocket-testutils (`python -m unixsocket_testutils`)")
        show("socket", server.usock)
        show("URL", server.url)
        yield server
        heading("what the server saw")
        show("connections accepted", server.accepted_connections)
        show("requests served", len(server.requests))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("socket", nargs="?", help="a real server's socket (default: a test server)")
    parser.add_argument("path", nargs="?", default="/", help="the path to GET on it")
    args = parser.parse_args(argv)
    if args.socket:
        talk_to(args.socket, args.path)
        return
    with demo_server() as server:
        for section in sections():
            section(server.url)


if __name__ == "__main__":
    main()
