"""Each distribution's public surface is locked: a change here is an API change.

What the names are, that each class and function lives in its own package, and that
``__version__`` is the installed distribution's. Behaviour behind the names is tested by each
package's own suite.
"""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import version

import pytest

PUBLIC_NAMES = {
    "unixsocket-url": [
        "SCHEMES",
        "ConnectAttempt",
        "InvalidAddress",
        "InvalidURL",
        "PeerCredentials",
        "SocketAddress",
        "UnexpectedPeer",
        "UnixConnectError",
        "UnixConnectTimeout",
        "UnixSocketURL",
        "build_url",
        "connect",
        "describe_address",
        "is_abstract",
        "is_unix_url",
        "join_url",
        "normalize_address",
        "parse_url",
        "peer_credentials",
        "redirect_refusal",
    ],
    "unixsocket-testutils": [
        "Connection",
        "RecordedRequest",
        "Reply",
        "ScriptedServer",
        "UnixSocketServerThread",
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
"""Distribution -> the names its package exports (``__all__``, in any order)."""


def package(dist: str) -> object:
    return importlib.import_module(dist.replace("-", "_"))


@pytest.mark.parametrize("dist", PUBLIC_NAMES)
def test_public_names_are_locked(dist: str) -> None:
    exported = package(dist).__all__  # type: ignore[attr-defined]
    assert len(exported) == len(set(exported))
    assert sorted(exported) == sorted(PUBLIC_NAMES[dist])


@pytest.mark.parametrize("dist", PUBLIC_NAMES)
def test_classes_and_functions_are_the_packages_own(dist: str) -> None:
    module = package(dist)
    for name in PUBLIC_NAMES[dist]:
        obj = getattr(module, name)
        if isinstance(obj, type) or inspect.isfunction(obj):
            assert obj.__module__.split(".")[0] == dist.replace("-", "_"), name


@pytest.mark.parametrize("dist", PUBLIC_NAMES)
def test_version_matches_the_distribution(dist: str) -> None:
    assert package(dist).__version__ == version(dist)  # type: ignore[attr-defined]
