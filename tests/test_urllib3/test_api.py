"""The public surface of urllib3_unixsocket is locked: a change here is an API change."""

from __future__ import annotations

import http.client

import urllib3
import urllib3.exceptions

import urllib3_unixsocket


def test_public_names() -> None:
    assert urllib3_unixsocket.__all__ == [
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
    ]
    assert sorted(urllib3_unixsocket.__all__) == urllib3_unixsocket.__all__
    for name in urllib3_unixsocket.__all__:
        assert getattr(urllib3_unixsocket, name).__module__ == "urllib3_unixsocket"


def test_classes_are_urllib3_classes() -> None:
    assert issubclass(urllib3_unixsocket.UnixPoolManager, urllib3.PoolManager)
    assert issubclass(urllib3_unixsocket.UnixHTTPConnectionPool, urllib3.HTTPConnectionPool)
    assert issubclass(urllib3_unixsocket.UnixHTTPSConnectionPool, urllib3.HTTPSConnectionPool)
    assert issubclass(urllib3_unixsocket.UnixHTTPConnection, urllib3.connection.HTTPConnection)
    assert issubclass(urllib3_unixsocket.UnixHTTPSConnection, urllib3.connection.HTTPSConnection)
    assert issubclass(urllib3_unixsocket.RedirectRefused, urllib3.exceptions.HTTPError)
    assert issubclass(urllib3_unixsocket.StrictHTTPResponse, http.client.HTTPResponse)
    assert issubclass(urllib3_unixsocket.BrokenResponseHead, http.client.HTTPException)
    assert urllib3_unixsocket.UnixHTTPConnection.response_class is (
        urllib3_unixsocket.StrictHTTPResponse
    )


def test_version_matches_the_distribution() -> None:
    from importlib.metadata import version

    assert urllib3_unixsocket.__version__ == version("urllib3-unixsocket")
