"""requests over UNIX domain sockets: ``http+unix://%2Frun%2Fapp.sock/path``.

A drop-in for requests-unixsocket: :class:`Session`, :class:`UnixAdapter`, :class:`monkeypatch`
and the module functions keep its API, on keep-alive pools per socket (urllib3-unixsocket) with
a safe redirect policy and error messages that name the socket.
"""

from . import adapters as adapters
from ._adapter import UnixAdapter as UnixAdapter
from ._api import delete as delete
from ._api import get as get
from ._api import head as head
from ._api import monkeypatch as monkeypatch
from ._api import options as options
from ._api import patch as patch
from ._api import post as post
from ._api import put as put
from ._api import request as request
from ._errors import RedirectRefused as RedirectRefused
from ._errors import SocketAccessDenied as SocketAccessDenied
from ._peer import peer_credentials as peer_credentials
from ._session import Session as Session
from ._urls import DEFAULT_SCHEME as DEFAULT_SCHEME

__version__ = "1.0.0"

__all__ = [
    "DEFAULT_SCHEME",
    "RedirectRefused",
    "Session",
    "SocketAccessDenied",
    "UnixAdapter",
    "delete",
    "get",
    "head",
    "monkeypatch",
    "options",
    "patch",
    "peer_credentials",
    "post",
    "put",
    "request",
]

for _public in __all__:  # tracebacks and reprs name the public module, as httpx's do
    _object = globals()[_public]
    if getattr(_object, "__module__", "").startswith(f"{__name__}._"):
        _object.__module__ = __name__
del _public, _object
