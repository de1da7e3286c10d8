"""Test helpers: the shared HTTP test server on a UNIX socket (from ``unixsocket-testutils``).

``UnixSocketServerThread`` is what requests-unixsocket's ``testutils`` offered (``usock`` is the
socket path), with more: any WSGI application, abstract names, ``url_for()``, and a record of
the requests and connections it received. See :mod:`unixsocket_testutils`.
"""

from unixsocket_testutils import UnixSocketServerThread as UnixSocketServerThread  # noqa: PLC0414

__all__ = ["UnixSocketServerThread"]
