"""The exceptions httpx-unixsocket adds to httpx's own."""

from __future__ import annotations

import httpx


class RedirectRefused(httpx.RequestError):
    """A redirect the client will not follow: into a UNIX socket from another origin, or to a
    different socket. ``request`` is the refused redirect request (its URL is the target).

    A :class:`httpx.RequestError`, like :class:`httpx.TooManyRedirects`: the request was never
    sent, and code that handles request failures handles this one too.
    """


class SocketAccessDenied(httpx.ConnectError):
    """The socket may not be used: permission denied, or served by an unexpected user.

    An :class:`httpx.ConnectError` whose message names the socket and the cause, never retried
    by the transport's ``retries=``; no byte of the request was sent. The
    :class:`unixsocket_url.UnixConnectError` (:class:`unixsocket_url.UnexpectedPeer` for a
    refused server) is chained as ``__cause__``.
    """
