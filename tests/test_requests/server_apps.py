"""Tiny applications the real-server tests start in uvicorn (ASGI) and gunicorn (WSGI)."""

from __future__ import annotations

import json
from typing import Any


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echo method, path, query, body and Host as JSON; /redirect answers 302 to /landed."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    if scope["path"] == "/redirect":
        await send(
            {"type": "http.response.start", "status": 302, "headers": [(b"location", b"/landed")]}
        )
        await send({"type": "http.response.body", "body": b""})
        return
    data = json.dumps(
        {
            "server": "uvicorn",
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "body": body.decode(),
            "host": headers.get(b"host", b"").decode(),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": data})


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The same for gunicorn."""
    body = environ["wsgi.input"].read()
    data = json.dumps(
        {
            "server": "gunicorn",
            "method": environ["REQUEST_METHOD"],
            "path": environ["PATH_INFO"],
            "query": environ["QUERY_STRING"],
            "body": body.decode(),
            "host": environ.get("HTTP_HOST", ""),
        }
    ).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
