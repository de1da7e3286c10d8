"""Redirects through urllib3's own API: the retry limit caps them. The redirect rules every
flavor shares are in tests/test_flavors."""

from __future__ import annotations

import pytest
from support.redirects import redirecting
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from unixsocket_testutils.pytest_plugin import ScriptedServerFactory
from urllib3_unixsocket import UnixPoolManager


def test_redirect_limit_is_the_retry_limit(scripted_server_factory: ScriptedServerFactory) -> None:
    server = scripted_server_factory(redirecting({"/loop": (302, "/loop")}))
    with UnixPoolManager() as pm, pytest.raises(MaxRetryError):
        pm.request("GET", server.url_for("/loop"), retries=Retry(redirect=3))
    assert len(server.requests) == 4
