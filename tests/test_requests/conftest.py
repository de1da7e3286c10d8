"""Fixtures for the requests flavor; the scripted servers are in tests/support/servers.py."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from support import servers


@pytest.fixture
def sockdir() -> Iterator[str]:
    """A fresh private directory under /tmp, short enough for socket paths."""
    path = tempfile.mkdtemp(prefix="rq-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def scripted() -> Iterator[Callable[..., Any]]:
    """``scripted(handler, **options)`` starts a ScriptedServer, stopped after the test."""
    started: list[Any] = []

    def start(handler: Any = None, **options: Any) -> Any:
        server = servers.ScriptedServer(handler, **options).__enter__()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.__exit__(None, None, None)


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proxy variables that would break any request they applied to."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
