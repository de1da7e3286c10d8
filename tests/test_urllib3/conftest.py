"""Fixtures for the urllib3 flavor: scripted servers (tests/support/servers.py) per test."""

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
    path = tempfile.mkdtemp(prefix="u3-", dir="/tmp")
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
