"""The credentials of the server a response came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

import urllib3_unixsocket

if TYPE_CHECKING:
    from requests import Response

    from unixsocket_url import PeerCredentials


def peer_credentials(response: Response) -> PeerCredentials | None:
    """The pid, uid and gid of the server process that sent *response*, read when its
    connection was made; ``None`` for a response that did not come over a UNIX socket, or
    where ``SO_PEERCRED`` is not available (not Linux)."""
    return urllib3_unixsocket.peer_credentials(response.raw)
