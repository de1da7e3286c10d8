"""Each distribution's public surface is locked: a change here is an API change.

What the names are, that each class and function lives in its own package, and that
``__version__`` is the installed distribution's. Behaviour behind the names is tested by each
package's own suite.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
from importlib.metadata import version
from typing import Any

import pytest

PUBLIC_NAMES = {
    "unixsocket-url": [
        "CREDENTIAL_HEADERS",
        "ENCODED_PIECE",
        "IDEMPOTENT_METHODS",
        "SCHEMES",
        "ConnectAttempt",
        "Dialer",
        "InvalidAddress",
        "InvalidSocket",
        "InvalidURL",
        "PeerCredentials",
        "SocketAddress",
        "SocketLike",
        "SocketNames",
        "SocketSource",
        "SocketTarget",
        "UnexpectedPeer",
        "UnixConnectError",
        "UnixConnectTimeout",
        "UnixSocketURL",
        "build_url",
        "check_held_socket",
        "connect",
        "describe_address",
        "is_abstract",
        "is_unix_url",
        "join_url",
        "normalize_address",
        "normalize_scheme",
        "parse_socket",
        "parse_url",
        "peer_credentials",
        "redirect_refusal",
        "same_socket",
        "split_url",
    ],
    "unixsocket-testutils": [
        "Connection",
        "RecordedRequest",
        "Reply",
        "ScriptedServer",
        "UnixSocketServerThread",
        "connected_server",
        "demo_app",
        "echo",
        "hello_app",
        "response_head",
        "serve",
        "server_process",
        "serving",
        "wait_for_socket",
    ],
    "urllib3-unixsocket": [
        "BrokenResponseHead",
        "RedirectRefused",
        "SocketAccessDenied",
        "StrictHTTPResponse",
        "UnixHTTPConnection",
        "UnixHTTPConnectionPool",
        "UnixHTTPSConnection",
        "UnixHTTPSConnectionPool",
        "UnixPoolManager",
        "peer_credentials",
    ],
    "requests-unixsocket": [
        "DEFAULT_SCHEME",
        "RedirectRefused",
        "Session",
        "SocketAccessDenied",
        "UnixAdapter",
        "delete",
        "get",
        "head",
        "monkeypatch",
        "options",
        "patch",
        "peer_credentials",
        "post",
        "put",
        "request",
    ],
    "httpx-unixsocket": [
        "AsyncClient",
        "AsyncUnixTransport",
        "Client",
        "RedirectRefused",
        "SocketAccessDenied",
        "UNIX_SOCKET_EXTENSION",
        "UnixTransport",
        "peer_credentials",
    ],
}
PUBLIC_NAMES["httpx2-unixsocket"] = PUBLIC_NAMES["httpx-unixsocket"]
"""Distribution -> the names its package exports (``__all__``, in any order)."""


def package(dist: str) -> Any:
    """The distribution's package (httpx2-unixsocket's is installed on Python 3.11+ only)."""
    if dist == "httpx2-unixsocket":
        return pytest.importorskip("httpx2_unixsocket", reason="installed on Python 3.11+ only")
    return importlib.import_module(dist.replace("-", "_"))


@pytest.mark.parametrize("dist", PUBLIC_NAMES)
def test_public_names_are_locked(dist: str) -> None:
    exported = package(dist).__all__
    assert len(exported) == len(set(exported))
    assert sorted(exported) == sorted(PUBLIC_NAMES[dist])


@pytest.mark.parametrize("dist", PUBLIC_NAMES)
def test_classes_and_functions_name_their_public_module(dist: str) -> None:
    """Reprs, tracebacks and pickles say ``urllib3_unixsocket.RedirectRefused``, not the private
    module it is written in (as httpx's exports do)."""
    module = package(dist)
    shown = {
        name: obj.__module__
        for name in PUBLIC_NAMES[dist]
        if isinstance(obj := getattr(module, name), type) or inspect.isfunction(obj)
    }
    assert shown
    assert {name: where for name, where in shown.items() if where != module.__name__} == {}


def test_an_exception_pickles_by_its_public_name() -> None:
    import urllib3_unixsocket

    error = urllib3_unixsocket.SocketAccessDenied("denied", "/run/app.sock")
    assert repr(type(error)) == "<class 'urllib3_unixsocket.SocketAccessDenied'>"
    assert b"urllib3_unixsocket\nSocketAccessDenied" in pickle.dumps(error, protocol=0)
    assert str(pickle.loads(pickle.dumps(error))) == "denied"


@pytest.mark.parametrize("dist", PUBLIC_NAMES)
def test_version_matches_the_distribution(dist: str) -> None:
    assert package(dist).__version__ == version(dist)
