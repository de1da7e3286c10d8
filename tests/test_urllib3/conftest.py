"""Fixtures for the urllib3 flavor: scripted servers (see ``_servers.py``) started per test."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Any, Callable

import pytest


def _load_servers() -> Any:
    name = "unixsocket_tests_servers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(os.path.dirname(__file__), "_servers.py")
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


servers = _load_servers()


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
