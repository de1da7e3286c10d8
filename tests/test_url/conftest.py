"""Listening sockets for the connect tests, each in a fresh private directory with a short path."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest


@pytest.fixture
def listener(sockdir: str) -> Iterator[socket.socket]:
    """A listening stream socket bound at ``<sockdir>/s.sock``; it accepts nothing by itself."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(os.path.join(sockdir, "s.sock"))
    sock.listen(8)
    yield sock
    sock.close()
