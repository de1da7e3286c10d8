"""Test utilities for HTTP over UNIX domain sockets.

An HTTP/1.1 server for any WSGI application on a UNIX socket (a file path or a Linux abstract
name) that records what it received, a helper that waits for a server process to listen, a
server in a child process on the other end of a ``socketpair`` (:func:`connected_server`), a
``python -m unixsocket_testutils`` command, a scripted server for fault injection
(:class:`ScriptedServer`, with ready-made faults in :mod:`.faults`), and a pytest plugin
(:mod:`.pytest_plugin`).
"""

from ._app import hello_app as hello_app
from ._demo import demo_app as demo_app
from ._held import connected_server as connected_server
from ._process import server_process as server_process
from ._records import RecordedRequest as RecordedRequest
from ._scripted import Connection as Connection
from ._scripted import Reply as Reply
from ._scripted import ScriptedServer as ScriptedServer
from ._scripted import echo as echo
from ._scripted import response_head as response_head
from ._scripted import serving as serving
from ._server import UnixSocketServerThread as UnixSocketServerThread
from ._server import serve as serve
from ._wait import wait_for_socket as wait_for_socket

__version__ = "1.0.0"

__all__ = [
    "Connection",
    "RecordedRequest",
    "Reply",
    "ScriptedServer",
    "UnixSocketServerThread",
    "connected_server",
    "demo_app",
    "echo",
    "hello_app",
    "response_head",
    "serve",
    "server_process",
    "serving",
    "wait_for_socket",
]

for _public in __all__:  # tracebacks and reprs name the public module, as httpx's do
    _object = globals()[_public]
    if getattr(_object, "__module__", "").startswith(f"{__name__}._"):
        _object.__module__ = __name__
del _public, _object
