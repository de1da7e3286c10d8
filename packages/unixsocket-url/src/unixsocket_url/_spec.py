"""Socket specs: a socket written the way users write one elsewhere.

``unix:///var/run/docker.sock`` (``DOCKER_HOST``, ``CONTAINER_HOST``), a bare path, or ``@name``
for a Linux abstract name (the ``ss`` and systemd notation). Only a ``str`` is read as a spec:
``bytes`` and ``os.PathLike`` are always the exact socket name.
"""

from __future__ import annotations

import re

from ._address import SocketLike, normalize_address
from ._errors import InvalidAddress, SocketAddress

_SCHEME = re.compile(r"\A([A-Za-z][A-Za-z0-9+.-]*)://")
_ADVICE = "write a UNIX socket as 'unix:///path/to.sock', '/path/to.sock' or '@abstract-name'"
_OTHER_SCHEMES = {
    "tcp": "a TCP address; reach it with the client library's own http:// support",
    "http": "an ordinary URL, not a socket",
    "https": "an ordinary URL, not a socket",
    "ssh": "an SSH address; these packages do not tunnel over SSH",
    "npipe": "a Windows named pipe, which is not a UNIX socket",
    "fd": "a systemd socket-activation address; pass the socket itself (a held socket) instead",
}


def parse_socket(spec: SocketLike) -> SocketAddress:
    """The address ``socket.connect()`` takes for the socket *spec* names.

    A ``str`` is a spec: ``unix:///abs/path.sock`` or ``unix://relative.sock`` (as Docker reads
    ``DOCKER_HOST``), ``unix:@name`` or ``@name`` for an abstract name, a leading NUL for an
    abstract name as ``socket`` writes it, anything else a file path. Another scheme
    (``tcp://``, ``npipe://``...) raises :class:`InvalidAddress` saying what it is. A relative
    path that starts with ``@`` or ``unix:`` is written ``./@x``, or passed as ``bytes`` or a
    ``pathlib.Path``, which are always taken as the exact name.
    """
    if not isinstance(spec, str):
        return normalize_address(spec)
    if spec[:5].lower() == "unix:":
        rest = spec[5:]
        name = rest[2:] if rest.startswith("//") else rest
        if not name:
            raise InvalidAddress(f"socket spec {spec!r} names no socket; {_ADVICE}")
        return _from_text(name)
    scheme = _SCHEME.match(spec)
    if scheme:
        what = _OTHER_SCHEMES.get(scheme.group(1).lower(), "not a UNIX socket")
        raise InvalidAddress(f"socket spec {spec!r} is {what}; {_ADVICE}")
    return _from_text(spec)


def _from_text(name: str) -> SocketAddress:
    if name.startswith("@"):
        name = "\0" + name[1:]
    return normalize_address(name)
