"""Parse and build ``http+unix://`` URLs, and dial the UNIX sockets they name.

No third-party dependencies; the other unixsocket packages take every socket address from here.
"""

from ._address import describe_address as describe_address
from ._address import is_abstract as is_abstract
from ._address import normalize_address as normalize_address
from ._connect import ConnectAttempt as ConnectAttempt
from ._connect import connect as connect
from ._errors import InvalidAddress as InvalidAddress
from ._errors import InvalidURL as InvalidURL
from ._errors import SocketAddress as SocketAddress
from ._errors import UnexpectedPeer as UnexpectedPeer
from ._errors import UnixConnectError as UnixConnectError
from ._errors import UnixConnectTimeout as UnixConnectTimeout
from ._peer import PeerCredentials as PeerCredentials
from ._peer import peer_credentials as peer_credentials
from ._url import SCHEMES as SCHEMES
from ._url import UnixSocketURL as UnixSocketURL
from ._url import build_url as build_url
from ._url import is_unix_url as is_unix_url
from ._url import join_url as join_url
from ._url import parse_url as parse_url
from ._url import redirect_refusal as redirect_refusal

__version__ = "1.0.0"

__all__ = [
    "SCHEMES",
    "ConnectAttempt",
    "InvalidAddress",
    "InvalidURL",
    "PeerCredentials",
    "SocketAddress",
    "UnexpectedPeer",
    "UnixConnectError",
    "UnixConnectTimeout",
    "UnixSocketURL",
    "build_url",
    "connect",
    "describe_address",
    "is_abstract",
    "is_unix_url",
    "join_url",
    "normalize_address",
    "parse_url",
    "peer_credentials",
    "redirect_refusal",
]
