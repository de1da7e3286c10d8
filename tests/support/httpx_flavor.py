"""The httpx flavor the httpx suites test: httpx with httpx-unixsocket, or httpx2 with
httpx2-unixsocket when ``UNIXSOCKET_HTTPX=httpx2`` (set by the Hatch matrix's httpx2
environments). One suite, both flavors: tests import the libraries from here, never directly.

mypy checks the suites against the httpx names; the httpx2 package is the same source renamed
(``scripts/generate_httpx2.py``), type-checked on its own.
"""

from __future__ import annotations

import importlib.util
import os
import re
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

LIBRARY = os.environ.get("UNIXSOCKET_HTTPX", "httpx")
if LIBRARY not in ("httpx", "httpx2"):
    raise RuntimeError(f"UNIXSOCKET_HTTPX={LIBRARY!r}: expected 'httpx' or 'httpx2'")
CORE = {"httpx": "httpcore", "httpx2": "httpcore2"}[LIBRARY]
PACKAGE = f"{LIBRARY}_unixsocket"
"""The import name of the package under test: ``httpx_unixsocket`` or ``httpx2_unixsocket``."""
DISTRIBUTION = f"{LIBRARY}-unixsocket"
GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "generate_httpx2.py"

if TYPE_CHECKING:
    import httpcore
    import httpx
    from httpcore._sync.connection_pool import PoolRequest

    import httpx_unixsocket
    from httpx_unixsocket import (
        UNIX_SOCKET_EXTENSION,
        AsyncClient,
        AsyncUnixTransport,
        Client,
        RedirectRefused,
        SocketAccessDenied,
        UnixTransport,
        _backend,
        _pool,
        _resolve,
        peer_credentials,
    )
else:
    httpx = import_module(LIBRARY)
    httpcore = import_module(CORE)
    httpx_unixsocket = import_module(PACKAGE)
    _backend = import_module(f"{PACKAGE}._backend")
    _pool = import_module(f"{PACKAGE}._pool")
    _resolve = import_module(f"{PACKAGE}._resolve")
    PoolRequest = import_module(f"{CORE}._sync.connection_pool").PoolRequest
    UNIX_SOCKET_EXTENSION = httpx_unixsocket.UNIX_SOCKET_EXTENSION
    AsyncClient = httpx_unixsocket.AsyncClient
    AsyncUnixTransport = httpx_unixsocket.AsyncUnixTransport
    Client = httpx_unixsocket.Client
    RedirectRefused = httpx_unixsocket.RedirectRefused
    SocketAccessDenied = httpx_unixsocket.SocketAccessDenied
    UnixTransport = httpx_unixsocket.UnixTransport
    peer_credentials = httpx_unixsocket.peer_credentials


_HTTPX2_NAMES = re.compile(r"\b(httpx2_unixsocket|httpx2-unixsocket|httpx2|httpcore2)\b")


def renamed(code: str) -> str:
    """*code*, an example for either flavor, as the flavor under test runs it: for httpx2, the
    rename that makes httpx2-unixsocket from httpx-unixsocket (``scripts/generate_httpx2.py``);
    for httpx, an httpx2 example with the names taken back."""
    if LIBRARY == "httpx":
        return _HTTPX2_NAMES.sub(lambda m: m[1].replace("2", ""), code)
    spec = importlib.util.spec_from_file_location("generate_httpx2", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    text: str = generator.rename(code)
    return text


__all__ = [
    "CORE",
    "DISTRIBUTION",
    "LIBRARY",
    "PACKAGE",
    "UNIX_SOCKET_EXTENSION",
    "AsyncClient",
    "AsyncUnixTransport",
    "Client",
    "PoolRequest",
    "RedirectRefused",
    "SocketAccessDenied",
    "UnixTransport",
    "_backend",
    "_pool",
    "_resolve",
    "httpcore",
    "httpx",
    "httpx_unixsocket",
    "peer_credentials",
]
