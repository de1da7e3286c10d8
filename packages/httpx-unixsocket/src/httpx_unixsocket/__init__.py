"""httpx over UNIX domain sockets: the ``http+unix://`` URL names the socket.

``Client`` / ``AsyncClient`` are httpx clients that also send ``http+unix://`` and
``https+unix://`` URLs (socket name case kept, proxies bypassed, redirects into sockets refused);
``UnixTransport`` / ``AsyncUnixTransport`` are the transports to mount on any httpx client, or to
point at one socket (``socket=``). ``sockets=`` names sockets (``http+unix://docker/...``); a
socket may be a spec, a connected socket the client takes over, or a connect callable. Sync,
asyncio and trio.
"""

from ._client import AsyncClient as AsyncClient
from ._client import Client as Client
from ._errors import RedirectRefused as RedirectRefused
from ._errors import SocketAccessDenied as SocketAccessDenied
from ._peer import peer_credentials as peer_credentials
from ._resolve import UNIX_SOCKET_EXTENSION as UNIX_SOCKET_EXTENSION
from ._transport import AsyncUnixTransport as AsyncUnixTransport
from ._transport import UnixTransport as UnixTransport

__version__ = "1.0.0"

__all__ = [
    "UNIX_SOCKET_EXTENSION",
    "AsyncClient",
    "AsyncUnixTransport",
    "Client",
    "RedirectRefused",
    "SocketAccessDenied",
    "UnixTransport",
    "peer_credentials",
]

for _public in __all__:  # tracebacks and reprs name the public module, as httpx's do
    _object = globals()[_public]
    if getattr(_object, "__module__", "").startswith(f"{__name__}._"):
        _object.__module__ = __name__
del _public, _object
