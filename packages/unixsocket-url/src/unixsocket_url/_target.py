"""Where a connection goes: a socket address, a socket the program holds, or a connect callable;
and the names a client registers for them (``http+unix://docker/...``)."""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Callable, Union, cast

from ._address import SocketLike, describe_address
from ._errors import InvalidSocket, SocketAddress, UnixConnectError
from ._spec import parse_socket

Dialer = Callable[[], socket.socket]
"""A connect callable: returns a new connected AF_UNIX stream socket each time it is called."""

SocketSource = Union[SocketLike, socket.socket, Dialer]
"""What a client may be given for a socket: a spec (see :func:`parse_socket`), a connected
socket it takes ownership of, or a connect callable."""

_NAME = re.compile(r"\A[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?\Z")


class SocketTarget:
    """One socket a client connects to, however it was given.

    ``address`` is set for a spec; ``held`` is true for a connected socket handed over by the
    program (one connection that cannot be re-made); otherwise a connect callable makes each
    connection. ``name`` is the registered name, if any. :meth:`open` makes (or hands over) a
    connection for the sources a flavor cannot dial itself; every error names the target.
    """

    __slots__ = ("_dial", "_held", "_lock", "_pid", "address", "held", "name", "shown")

    def __init__(self, source: SocketSource, name: str | None = None) -> None:
        self.name = name
        self.address: SocketAddress | None = None
        self._held: socket.socket | None = None
        self._dial: Dialer | None = None
        self._lock = threading.Lock()
        self._pid = os.getpid()
        if isinstance(source, socket.socket):
            check_held_socket(source, name)
            self._held = source
            what = f"a held socket, fd {source.fileno()}"
        elif callable(source) and not isinstance(source, (str, bytes)):
            self._dial = source
            what = f"connect callable {_callable_name(source)}"
        else:
            self.address = parse_socket(source)
            what = describe_address(self.address)
        self.held = self._held is not None
        self.shown = what if name is None else f"{name} ({what})"
        """The target for messages: ``docker (/var/run/docker.sock)``, ``/run/app.sock``."""

    def __repr__(self) -> str:
        return f"<SocketTarget {self.shown}>"

    @property
    def identity(self) -> SocketAddress | SocketTarget:
        """The socket, one value per socket (a key for connection pools, and for telling
        whether two URLs reach one socket): the address, or this target for a held socket or
        a connect callable, which have none."""
        return self if self.address is None else self.address

    def open(self) -> socket.socket:
        """A connected, blocking socket from a held socket or a connect callable.

        A held socket is handed over once; after that (its connection was closed) this raises
        :class:`UnixConnectError` saying it cannot be re-made, as it does in a process forked
        from the one given the socket (the two would share one connection). A connect
        callable's exception is raised as :class:`UnixConnectError` with its message. For an
        address, dial it with :class:`ConnectAttempt` instead (a ``ValueError`` here).
        """
        if self._dial is not None:
            return self._call_dialer(self._dial)
        if not self.held:
            raise ValueError(f"{self.shown} is an address: dial it with ConnectAttempt")
        if os.getpid() != self._pid:
            raise UnixConnectError(
                self.name or "",
                None,
                f"cannot use {self.shown} in a forked child process: a held socket is one "
                "connection, the parent's; give the child a socket of its own",
            )
        with self._lock:
            sock, self._held = self._held, None
        if sock is None:
            raise UnixConnectError(
                self.name or "",
                None,
                f"cannot reconnect to {self.shown}: a held socket is one connection, and it "
                "was closed (by its peer, or after an error); give the client a new socket",
            )
        return sock

    def close(self) -> None:
        """Close a held socket that was never handed over (the client owns it)."""
        with self._lock:
            sock, self._held = self._held, None
        if sock is not None:
            sock.close()

    def _call_dialer(self, dial: Dialer) -> socket.socket:
        try:
            sock = dial()
        except Exception as exc:
            code = exc.errno if isinstance(exc, OSError) else None
            raise UnixConnectError(
                self.name or "", code, f"cannot connect to {self.shown}: it raised {exc!r}"
            ) from exc
        try:
            check_held_socket(sock, self.name)
        except (InvalidSocket, TypeError) as exc:
            if isinstance(sock, socket.socket):
                sock.close()
            raise UnixConnectError(
                self.name or "", None, f"cannot connect to {self.shown}: {exc}"
            ) from exc
        return sock


def check_held_socket(sock: object, name: str | None = None) -> None:
    """Refuse, with :class:`InvalidSocket`, anything but a connected AF_UNIX stream socket."""
    label = f"socket {name!r}" if name else "the socket"
    if not isinstance(sock, socket.socket):
        raise TypeError(f"{label} must be a socket.socket, not {type(sock).__name__}")
    family = getattr(socket, "AF_UNIX", None)
    if family is None or sock.family != family:
        raise InvalidSocket(f"{label} is {sock.family.name}, not an AF_UNIX socket")
    if sock.type != socket.SOCK_STREAM:
        raise InvalidSocket(
            f"{label} is {socket.SocketKind(sock.type).name}; HTTP needs a SOCK_STREAM socket"
        )
    try:
        sock.getpeername()
    except OSError as exc:
        raise InvalidSocket(
            f"{label} is not connected ({exc.strerror}); pass a connected socket, "
            "or a path or a connect callable"
        ) from None


class SocketNames(Mapping[str, SocketTarget]):
    """Registered socket names: ``http+unix://docker/...`` reaches the socket named ``docker``.

    Names are host names (letters, digits, ``-``, ``_``, ``.``), matched in any letter case,
    since client libraries lowercase hosts. A URL whose socket part reads as a registered name
    reaches that socket, never a file of the same relative path: the client registered the name
    for this, and a relative file is still reached as ``./docker`` (``.%2Fdocker`` in a URL).
    """

    def __init__(self, sockets: Mapping[str, SocketSource] | None = None) -> None:
        self._targets: dict[str, SocketTarget] = {}
        self._by_address: dict[SocketAddress, SocketTarget] = {}
        for name, source in (sockets or {}).items():
            key = cast("object", name)
            key = key.lower() if isinstance(key, str) else key
            if not isinstance(key, str) or not _NAME.match(key):
                raise ValueError(
                    f"socket name {name!r} is not a host name (letters, digits, '-', '_' and "
                    "'.', starting and ending with a letter or digit)"
                )
            if key in self._targets:
                raise ValueError(f"socket name {name!r} is registered twice (names ignore case)")
            target = self._targets[key] = SocketTarget(source, key)
            if target.address is not None:
                self._by_address.setdefault(target.address, target)

    def __getitem__(self, name: str) -> SocketTarget:
        return self._targets[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __repr__(self) -> str:
        return f"SocketNames({', '.join(t.shown for t in self._targets.values())})"

    def lookup(self, address: SocketAddress) -> SocketTarget | None:
        """The target registered under *address* read as a name (a URL's decoded socket part)."""
        if not self._targets or not isinstance(address, str):
            return None
        return self._targets.get(address.lower())

    def socket_of(self, address: SocketAddress) -> SocketAddress | SocketTarget:
        """The socket *address* (a URL's decoded socket part) reaches: the
        :attr:`~SocketTarget.identity` of the name it reads as, else *address* itself."""
        target = self.lookup(address)
        return address if target is None else target.identity

    def named(self, address: SocketAddress) -> SocketTarget | None:
        """The first name registered for the socket *address*, if any: a connection to it,
        however its URL was written, is shown under that name."""
        return self._by_address.get(address)

    def close(self) -> None:
        """Close the held sockets never used (a client owns those it was given)."""
        for target in self._targets.values():
            target.close()


def _callable_name(dial: Dialer) -> str:
    name = getattr(dial, "__qualname__", None) or type(dial).__qualname__
    module = getattr(dial, "__module__", None)
    return f"{module}.{name}" if module and module != "builtins" else name
