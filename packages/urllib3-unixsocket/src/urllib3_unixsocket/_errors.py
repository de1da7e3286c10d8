"""The exception urllib3-unixsocket adds to urllib3's own."""

from __future__ import annotations

from urllib3.exceptions import HTTPError


class RedirectRefused(HTTPError):
    """A redirect was not followed because it leads into a UNIX socket from elsewhere.

    Raised by :class:`~urllib3_unixsocket.UnixPoolManager` for a ``Location`` that goes from
    an ordinary origin into a socket, or from one socket to another. ``location`` is the refused
    URL; the message says why.
    """

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.location = location

    def __reduce__(self) -> tuple[type[RedirectRefused], tuple[str, str]]:
        return type(self), (str(self), self.location)
