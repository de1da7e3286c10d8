"""Parse and build ``http+unix://`` URLs, and dial the UNIX sockets they name.

No third-party dependencies; the other unixsocket packages take every socket address from here.
"""

from ._address import SocketLike as SocketLike
from ._address import describe_address as describe_address
from ._address import is_abstract as is_abstract
from ._address import normalize_address as normalize_address
from ._connect import ConnectAttempt as ConnectAttempt
from ._connect import connect as connect
from ._errors import InvalidAddress as InvalidAddress
from ._errors import InvalidSocket as InvalidSocket
from ._errors import InvalidURL as InvalidURL
from ._errors import SocketAddress as SocketAddress
from ._errors import UnexpectedPeer as UnexpectedPeer
from ._errors import UnixConnectError as UnixConnectError
from ._errors import UnixConnectTimeout as UnixConnectTimeout
from ._http import CREDENTIAL_HEADERS as CREDENTIAL_HEADERS
from ._http import ENCODED_PIECE as ENCODED_PIECE
from ._http import IDEMPOTENT_METHODS as IDEMPOTENT_METHODS
from ._peer import PeerCredentials as PeerCredentials
from ._peer import peer_credentials as peer_credentials
from ._spec import parse_socket as parse_socket
from ._target import Dialer as Dialer
from ._target import SocketNames as SocketNames
from ._target import SocketSource as SocketSource
from ._target import SocketTarget as SocketTarget
from ._target import check_held_socket as check_held_socket
from ._url import SCHEMES as SCHEMES
from ._url import UnixSocketURL as UnixSocketURL
from ._url import build_url as build_url
from ._url import is_unix_url as is_unix_url
from ._url import join_url as join_url
from ._url import normalize_scheme as normalize_scheme
from ._url import parse_url as parse_url
from ._url import redirect_refusal as redirect_refusal
from ._url import same_socket as same_socket
from ._url import split_url as split_url

__version__ = "1.0.0"

__all__ = [
    "CREDENTIAL_HEADERS",
    "ENCODED_PIECE",
    "IDEMPOTENT_METHODS",
    "SCHEMES",
    "ConnectAttempt",
    "Dialer",
    "InvalidAddress",
    "InvalidSocket",
    "InvalidURL",
    "PeerCredentials",
    "SocketAddress",
    "SocketLike",
    "SocketNames",
    "SocketSource",
    "SocketTarget",
    "UnexpectedPeer",
    "UnixConnectError",
    "UnixConnectTimeout",
    "UnixSocketURL",
    "build_url",
    "check_held_socket",
    "connect",
    "describe_address",
    "is_abstract",
    "is_unix_url",
    "join_url",
    "normalize_address",
    "normalize_scheme",
    "parse_socket",
    "parse_url",
    "peer_credentials",
    "redirect_refusal",
    "same_socket",
    "split_url",
]

for _public in __all__:  # tracebacks and reprs name the public module, as httpx's do
    _object = globals()[_public]
    if getattr(_object, "__module__", "").startswith(f"{__name__}._"):
        _object.__module__ = __name__
del _public, _object
