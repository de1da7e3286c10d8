"""The credentials of the server a response came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unixsocket_url import PeerCredentials

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

PEER_CREDENTIALS = "peer_credentials"
"""The response extension the transports put the server's credentials in (a
:class:`~unixsocket_url.PeerCredentials`, or ``None``); also the network streams' extra info."""


def with_peer_credentials(extensions: Mapping[str, Any]) -> dict[str, Any]:
    """httpcore's response *extensions* plus the credentials of its network stream's server."""
    stream = extensions.get("network_stream")
    peer = None if stream is None else stream.get_extra_info(PEER_CREDENTIALS)
    return {**extensions, PEER_CREDENTIALS: peer}


def peer_credentials(response: httpx.Response) -> PeerCredentials | None:
    """The pid, uid and gid of the server process that sent *response*, read when its
    connection was made; ``None`` for a response that did not come through a UNIX transport,
    or where ``SO_PEERCRED`` is not available (not Linux)."""
    credentials = response.extensions.get(PEER_CREDENTIALS)
    return credentials if isinstance(credentials, PeerCredentials) else None
