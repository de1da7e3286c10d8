"""The httpx flavor at work: one client, many paths and sockets, sync and async, clear errors.

``section(base_url)`` is a demo section for scripts/demo.py, using the routes of the demo
application (``python -m unixsocket_testutils``); run alone, it starts a server for it.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile

import httpx

import httpx_unixsocket
import unixsocket_url
from unixsocket_testutils import UnixSocketServerThread, demo_app


def _show(label: str, value: object) -> None:
    print(f"   {label:<24} {value}")


def _sync_part(base_url: str) -> None:
    streams: set[int] = set()
    with httpx_unixsocket.Client(base_url=base_url) as client:
        for path in ("/v1/info", "/health", "/no/such/path"):
            response = client.get(path)
            streams.add(id(response.extensions["network_stream"]))
            _show(f"GET {path}", f"{response.status_code} {response.text[:40]!r}")
        response = client.post("/echo", json={"demo": True})
        stream = response.extensions["network_stream"]
        streams.add(id(stream))
        _show("POST /echo", f"{response.status_code}, the server read {response.json()['body']}")
        _show("connections used", f"{len(streams)} for 4 requests (keep-alive across paths)")
        peer = unixsocket_url.describe_address(stream.get_extra_info("server_addr"))
        _show("connected to", peer)
        response = client.get("/redirect", follow_redirects=True)
        hops = " -> ".join(str(r.status_code) for r in [*response.history, response])
        _show("GET /redirect", f"{hops} (follow_redirects=True), now at {response.url.path}")
        with client.stream("GET", "/stream", params={"lines": 3}) as response:
            lines = [json.loads(line)["line"] for line in response.iter_lines()]
        _show("client.stream /stream", f"lines {lines} as they came, chunked")


async def _async_part(base_url: str) -> None:
    async with httpx_unixsocket.AsyncClient(base_url=base_url) as client:
        first, second = await asyncio.gather(client.get("/health"), client.get("/v1/info"))
        streams = {id(r.extensions["network_stream"]) for r in (first, second)}
        _show(
            "two requests at once",
            f"{first.status_code} and {second.status_code} (asyncio), {len(streams)} connections",
        )


def _errors(base_url: str) -> None:
    missing = unixsocket_url.build_url(os.path.join(tempfile.gettempdir(), "no-such-app.sock"))
    with httpx_unixsocket.Client() as client:
        try:
            client.get(missing)
        except httpx.ConnectError as exc:
            _show("unreachable socket", f"{type(exc).__name__}: {exc}")
        try:
            client.get("http+unix:///run/app.sock/info")
        except httpx.InvalidURL as exc:
            _show("malformed URL", f"InvalidURL: {exc}")


def section(base_url: str) -> None:
    """Print what httpx-unixsocket does against the server at *base_url* (a UNIX-socket URL)."""
    print("\n== httpx-unixsocket: httpx with the socket named by the URL (sync and async)")
    _sync_part(base_url)
    asyncio.run(_async_part(base_url))
    _errors(base_url)


if __name__ == "__main__":
    with UnixSocketServerThread(app=demo_app) as server:
        section(server.url)
        print(
            f"\n   the server accepted {server.accepted_connections} connections for "
            f"{len(server.requests)} requests"
        )
