"""The default application: what requests-unixsocket's test server answered."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from unixsocket_url import describe_address

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

BODY = b"Hello world!"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def hello_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Answer every method with ``200 Hello world!`` and headers telling what was asked.

    ``X-Transport: unix domain socket``, ``X-Socket-Path`` (the socket, ``@name`` for an
    abstract one), ``X-Requested-Path`` (``PATH_INFO``) and ``X-Requested-Query-String``. The
    request body is read and discarded. Control characters are percent-escaped in the headers.
    """
    environ["wsgi.input"].read()
    address = environ.get("unixsocket.address")
    socket_name = "" if address is None else describe_address(address)
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Content-Length", str(len(BODY))),
            ("X-Transport", "unix domain socket"),
            ("X-Socket-Path", _header_value(socket_name.encode().decode("latin-1"))),
            ("X-Requested-Path", _header_value(environ["PATH_INFO"])),
            ("X-Requested-Query-String", _header_value(environ["QUERY_STRING"])),
        ],
    )
    return [BODY]


def _header_value(text: str) -> str:
    return _CONTROL.sub(lambda match: f"%{ord(match[0]):02X}", text)
