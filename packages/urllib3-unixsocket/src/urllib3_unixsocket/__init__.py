"""urllib3 over UNIX domain sockets: ``http+unix://`` and ``https+unix://`` URLs.

:class:`UnixPoolManager` is urllib3's ``PoolManager`` that also takes UNIX-socket URLs, with
one keep-alive pool per socket; the pools and connections underneath can be used on their own.
Socket addresses and URLs come from :mod:`unixsocket_url`.
"""

from ._connection import UnixHTTPConnection as UnixHTTPConnection
from ._connection import UnixHTTPSConnection as UnixHTTPSConnection
from ._errors import BrokenResponseHead as BrokenResponseHead
from ._errors import RedirectRefused as RedirectRefused
from ._errors import SocketAccessDenied as SocketAccessDenied
from ._peer import peer_credentials as peer_credentials
from ._pool import UnixHTTPConnectionPool as UnixHTTPConnectionPool
from ._pool import UnixHTTPSConnectionPool as UnixHTTPSConnectionPool
from ._poolmanager import UnixPoolManager as UnixPoolManager
from ._response import StrictHTTPResponse as StrictHTTPResponse

__version__ = "1.0.0"

__all__ = [
    "BrokenResponseHead",
    "RedirectRefused",
    "SocketAccessDenied",
    "StrictHTTPResponse",
    "UnixHTTPConnection",
    "UnixHTTPConnectionPool",
    "UnixHTTPSConnection",
    "UnixHTTPSConnectionPool",
    "UnixPoolManager",
    "peer_credentials",
]

for _public in __all__:  # tracebacks and reprs name the public module, as httpx's do
    _object = globals()[_public]
    if getattr(_object, "__module__", "").startswith(f"{__name__}._"):
        _object.__module__ = __name__
del _public, _object
