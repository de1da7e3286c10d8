"""Fixtures for the cross-flavor suites: one parametrised ``flavor``, connect counting, leak
checks. Each such suite's conftest.py imports them; tests/conftest.py does not, since the
harness imports every client library and the dependents environment has no httpx.
"""

from __future__ import annotations

import gc
import os
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from support.flavors import FLAVORS, Flavor

_connects: list[Any] = []
_counting = threading.Lock()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Count every ``socket.connect()`` on an AF_UNIX socket (CPython's audit event)."""
    if event == "socket.connect" and args[0].family == socket.AF_UNIX:
        with _counting:
            _connects.append(args[1])


sys.addaudithook(_audit)


class ConnectLog:
    """The AF_UNIX connect() calls made during a test, by address."""

    def __init__(self) -> None:
        with _counting:
            _connects.clear()

    def total(self) -> int:
        """Every AF_UNIX connect() made, to any socket."""
        with _counting:
            return len(_connects)

    def to(self, address: str) -> int:
        target = os.fsencode(address)
        with _counting:
            return sum(os.fsencode(made) == target for made in _connects)


@pytest.fixture
def connects() -> ConnectLog:
    return ConnectLog()


@pytest.fixture(params=FLAVORS, ids=str)
def flavor(request: pytest.FixtureRequest) -> Iterator[Flavor]:
    """Each flavor in turn; the test fails if it leaves a socket behind (ResourceWarning)."""
    yield request.param
    gc.collect()  # surface unclosed sockets here, as errors (warnings are errors in this suite)
