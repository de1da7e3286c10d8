"""The credentials of the server a response came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unixsocket_url import PeerCredentials

if TYPE_CHECKING:
    from urllib3.response import BaseHTTPResponse


def peer_credentials(response: BaseHTTPResponse) -> PeerCredentials | None:
    """The pid, uid and gid of the server process that sent *response*, read when its
    connection was made; ``None`` for a response that did not come over a UNIX socket, or
    where ``SO_PEERCRED`` is not available (not Linux)."""
    # The pool's _make_request sets them on what it returns: this response with urllib3 2, the
    # http.client response it wraps with urllib3 1.26.
    for source in (response, getattr(response, "_original_response", None)):
        credentials = getattr(source, "peer_credentials", None)
        if isinstance(credentials, PeerCredentials):
            return credentials
    return None
