"""An ASGI app served by uvicorn on a UNIX socket, called concurrently with httpx (async).

    python examples/uvicorn_app.py

The app is ``app`` below; the example runs ``uvicorn uvicorn_app:app --uds PATH``, waits for the
socket, sends twenty requests at once from one ``AsyncClient`` (asyncio), and stops uvicorn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any, Callable

import anyio

import httpx_unixsocket
from unixsocket_testutils import server_process
from unixsocket_url import build_url

Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """A tiny ASGI application: JSON naming the path and the server's process."""
    if scope["type"] != "http":
        return
    body = json.dumps({"path": scope["path"], "pid": os.getpid()}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def call_many(url: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    async with httpx_unixsocket.AsyncClient(base_url=url, timeout=10) as client:

        async def one(i: int) -> None:
            results.append((await client.get(f"/items/{i}")).json())

        async with anyio.create_task_group() as tasks:
            for i in range(20):
                tasks.start_soon(one, i)
    return results


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="uv-", dir="/tmp") as directory:
        path = f"{directory}/app.sock"
        command = [sys.executable, "-m", "uvicorn", "uvicorn_app:app", "--uds", path]
        command += ["--app-dir", here, "--log-level", "warning"]
        with server_process(command, path, timeout=30, stdout=subprocess.DEVNULL):
            results = anyio.run(call_many, build_url(path))
    pids = {result["pid"] for result in results}
    print(f"{len(results)} concurrent requests answered by uvicorn (pid {pids.pop()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
