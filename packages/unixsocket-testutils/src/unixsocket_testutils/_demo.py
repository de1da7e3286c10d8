"""The demo application ``python -m unixsocket_testutils`` serves: a few routes that answer
differently, so a client's first requests show JSON, errors, redirects and streams."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from unixsocket_url import describe_address

from ._app import hello_app

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

ROUTES = {
    "/": "Hello world! (text/plain)",
    "/v1/info": "this server, as JSON",
    "/health": '{"status": "ok"}',
    "/echo": "the request (any method) as JSON: method, path, query, headers, body",
    "/redirect": "302 to /v1/info",
    "/stream": "?lines=N (default 5, at most 1000): JSON lines, sent chunked",
}
"""Path -> what it answers; any other path is a JSON 404."""
MAX_LINES = 1000


def demo_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:  # noqa: PLR0911
    """Answer the :data:`ROUTES`: ``/`` as :func:`hello_app`, JSON elsewhere, a JSON 404 for any
    other path and a 405 for a method other than GET or HEAD (``/echo`` takes them all)."""
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if path == "/":
        return hello_app(environ, start_response)
    body = environ["wsgi.input"].read()
    if path == "/echo":
        return _json(start_response, _echo(environ, body))
    if path not in ROUTES:
        return _json(start_response, {"error": "not found", "path": path}, "404 Not Found")
    if method not in ("GET", "HEAD"):
        error = {"error": f"{method} not allowed"}
        return _json(start_response, error, "405 Method Not Allowed", [("Allow", "GET, HEAD")])
    if path == "/health":
        return _json(start_response, {"status": "ok"})
    if path == "/redirect":
        location = {"location": "/v1/info"}
        return _json(start_response, location, "302 Found", [("Location", "/v1/info")])
    if path == "/stream":
        return _stream(environ, start_response)
    address = environ.get("unixsocket.address")
    info = {
        "server": "unixsocket-testutils demo",
        "socket": None if address is None else describe_address(address),
        "routes": ROUTES,
    }
    return _json(start_response, info)


def _json(
    start_response: StartResponse,
    body: Any,
    status: str = "200 OK",
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    data = json.dumps(body).encode()
    fields = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(status, fields + (headers or []))
    return [data]


def _echo(environ: WSGIEnvironment, body: bytes) -> dict[str, Any]:
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = environ[key]
    return {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "headers": headers,
        "body": body.decode("utf-8", "replace"),
    }


def _stream(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
    try:
        lines = int(parse_qs(environ["QUERY_STRING"]).get("lines", ["5"])[0])
    except ValueError:
        lines = -1
    if not 0 <= lines <= MAX_LINES:
        error = {"error": f"lines is a whole number from 0 to {MAX_LINES}"}
        yield from _json(start_response, error, "400 Bad Request")
        return
    start_response("200 OK", [("Content-Type", "application/x-ndjson")])
    for number in range(1, lines + 1):  # no Content-Length: sent chunked, line by line
        yield json.dumps({"line": number}).encode() + b"\n"
