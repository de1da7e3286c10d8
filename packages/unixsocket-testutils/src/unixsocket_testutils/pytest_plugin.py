"""pytest fixtures for tests that talk HTTP over UNIX sockets.

Installed with ``unixsocket-testutils``, the plugin registers itself (entry point ``unixsocket``):

``unix_server``
    A running :class:`~unixsocket_testutils.UnixSocketServerThread` with the default
    ``Hello world!`` application, stopped (and its socket removed) after the test.
``abstract_unix_server``
    The same on a random Linux abstract name; the test is skipped on other systems.
``unix_server_factory``
    ``unix_server_factory(app=None, *, path=None, abstract=None)`` starts a server for any WSGI
    application and returns it; every server it started is stopped after the test.
``scripted_server_factory``
    ``scripted_server_factory(respond=None, *, behaviour=None, **options)`` starts a
    :class:`~unixsocket_testutils.ScriptedServer` (faults: :mod:`unixsocket_testutils.faults`);
    every server it started is stopped after the test.

Sockets live in fresh private directories with short paths under ``/tmp`` (never under
``tmp_path``, which can exceed the 107-byte limit), so tests can run in parallel (pytest-xdist).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from ._scripted import ScriptedServer
from ._server import UnixSocketServerThread

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _typeshed.wsgi import WSGIApplication

    from unixsocket_url import SocketLike

    from ._listener import AbstractArg
    from ._scripted import Behaviour, Respond


class UnixServerFactory(Protocol):
    """The type of the ``unix_server_factory`` fixture, for annotating tests."""

    def __call__(
        self,
        app: WSGIApplication | None = None,
        *,
        path: SocketLike | None = None,
        abstract: AbstractArg | None = None,
    ) -> UnixSocketServerThread:
        """Start a server for *app* (see :class:`UnixSocketServerThread`) and return it."""


class ScriptedServerFactory(Protocol):
    """The type of the ``scripted_server_factory`` fixture, for annotating tests."""

    def __call__(
        self, respond: Respond | None = None, *, behaviour: Behaviour | None = None, **options: Any
    ) -> ScriptedServer:
        """Start a :class:`ScriptedServer` (same arguments) and return it."""


@pytest.fixture
def unix_server() -> Iterator[UnixSocketServerThread]:
    """A running server with the default application."""
    with UnixSocketServerThread() as server:
        yield server


@pytest.fixture
def abstract_unix_server() -> Iterator[UnixSocketServerThread]:
    """A running server with the default application on a random abstract name (Linux only)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("abstract UNIX socket names exist only on Linux")
    with UnixSocketServerThread(abstract=True) as server:
        yield server


@pytest.fixture
def unix_server_factory() -> Iterator[UnixServerFactory]:
    """Start servers for WSGI applications; all are stopped after the test."""
    servers: list[UnixSocketServerThread] = []

    def start(
        app: WSGIApplication | None = None,
        *,
        path: SocketLike | None = None,
        abstract: AbstractArg | None = None,
    ) -> UnixSocketServerThread:
        server = UnixSocketServerThread(app=app, path=path, abstract=abstract)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def scripted_server_factory() -> Iterator[ScriptedServerFactory]:
    """Start scripted servers; all are stopped after the test."""
    servers: list[ScriptedServer] = []

    def start(
        respond: Respond | None = None, *, behaviour: Behaviour | None = None, **options: Any
    ) -> ScriptedServer:
        server = ScriptedServer(respond, behaviour=behaviour, **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.stop()
