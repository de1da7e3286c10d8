"""urllib3_unixsocket's classes extend urllib3's (its names are locked in tests/test_packaging)."""

from __future__ import annotations

import http.client

import urllib3
import urllib3.exceptions

import urllib3_unixsocket


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
