"""A tiny ASGI application for uvicorn ``--uds`` in the tests (loaded with ``--app-dir``).

``/echo``: JSON of what was asked (method, path, query, headers, body length).
``/count``: the request body's length, read in chunks (flat memory for large uploads).
``/stream?mib=N``: N MiB of ``x`` in 1 MiB chunks.
``/redirect?to=URL``: ``307`` to URL.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MIB = 1 << 20


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    length = 0
    more = True
    while more:
        message = await receive()
        length += len(message.get("body", b""))
        more = message.get("more_body", False)
    query = parse_qs(scope["query_string"].decode("latin-1"))
    path = scope["path"]
    if path == "/stream":
        mib = int(query.get("mib", ["1"])[0])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        chunk = b"x" * MIB
        for _ in range(mib):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    if path == "/redirect":
        location = query["to"][0].encode("latin-1")
        await send(
            {
                "type": "http.response.start",
                "status": 307,
                "headers": [(b"location", location), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    payload = {
        "method": scope["method"],
        "path": path,
        "query": scope["query_string"].decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "length": length,
    }
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
