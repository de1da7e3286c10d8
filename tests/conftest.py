"""Fixtures every suite may use: a private socket directory and the scripted HTTP servers."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from hypothesis import settings
from support import servers

# CI runs the property tests derandomized: the same examples every run, so a red build is
# reproducible; locally they explore new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def sockdir() -> Iterator[str]:
    """A fresh 0700 directory under /tmp: short, so socket paths stay under 107 bytes."""
    path = tempfile.mkdtemp(prefix="t-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def scripted() -> Iterator[Callable[..., Any]]:
    """``scripted(handler, **options)`` starts a :class:`support.servers.ScriptedServer`.

    tests/test_httpx has a raw-connection variant of its own under the same name.
    """
    started: list[Any] = []

    def start(handler: Any = None, **options: Any) -> Any:
        server = servers.ScriptedServer(handler, **options).__enter__()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.__exit__(None, None, None)
