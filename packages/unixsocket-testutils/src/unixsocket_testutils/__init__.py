"""Test utilities for HTTP over UNIX domain sockets.

An HTTP/1.1 server for any WSGI application on a UNIX socket (a file path or a Linux abstract
name) that records what it received, a helper that waits for a server process to listen, a
``python -m unixsocket_testutils`` command, and a pytest plugin (:mod:`.pytest_plugin`).
"""

from ._app import hello_app as hello_app
from ._process import server_process as server_process
from ._records import RecordedRequest as RecordedRequest
from ._server import UnixSocketServerThread as UnixSocketServerThread
from ._server import serve as serve
from ._wait import wait_for_socket as wait_for_socket

__version__ = "0.1.0"

__all__ = [
    "RecordedRequest",
    "UnixSocketServerThread",
    "hello_app",
    "serve",
    "server_process",
    "wait_for_socket",
]
