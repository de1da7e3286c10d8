"""Fixtures for the httpx flavor: anyio backends and a real server (uvicorn)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from unixsocket_testutils import server_process

HERE = Path(__file__).parent


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test runs on asyncio and on trio."""
    return str(request.param)


@pytest.fixture(scope="module")
def uvicorn_socket() -> Iterator[str]:
    """A real server: uvicorn serving ``asgi_app:app`` (beside this file) with ``--uds``."""
    directory = tempfile.mkdtemp(prefix="hxu-", dir="/tmp")
    path = os.path.join(directory, "Uvicorn.sock")  # mixed case on purpose
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "asgi_app:app",
        "--app-dir",
        str(HERE),
        "--uds",
        path,
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    try:
        with server_process(command, path):
            yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)
