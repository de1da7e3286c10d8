"""Socket addresses: validation, and the display form used in every error message."""

from __future__ import annotations

import os
from typing import Union

from ._errors import InvalidAddress, SocketAddress

MAX_ABSTRACT_NAME = 108
"""Bytes in a Linux abstract name, the leading NUL included (``sizeof(sun_path)``)."""

MAX_DIRECT_PATH = 107
"""Bytes of a file path that ``connect()`` takes directly on Linux; longer ones go through a
directory descriptor."""

MAX_BSD_PATH = 104
"""Bytes of a socket path on macOS and the BSDs (``sizeof(sun_path)``); nothing reaches longer."""

SocketLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def normalize_address(socket: SocketLike) -> SocketAddress:
    """Return the address ``socket.connect()`` takes for *socket*, after checking it.

    Accepts ``str``, ``bytes`` and ``os.PathLike``; an abstract name starts with NUL. The result
    is a ``str`` when the name is valid UTF-8, else ``bytes``, so one socket has one address.
    """
    return _address_from_bytes(address_bytes(socket))


def address_bytes(socket: SocketLike) -> bytes:
    """The socket name as bytes (file system encoding for ``str``), validated."""
    try:
        raw = os.fsencode(socket)
    except TypeError:
        raise TypeError(
            f"a socket address is str, bytes or os.PathLike, not {type(socket).__name__}"
        ) from None
    except UnicodeEncodeError as exc:
        raise InvalidAddress(
            f"socket name {socket!r} holds a lone surrogate at offset {exc.start}"
        ) from None
    _check(raw)
    return raw


def is_abstract(address: SocketAddress) -> bool:
    """True for a Linux abstract name (a leading NUL)."""
    return address[:1] in ("\0", b"\0")


def describe_address(address: SocketAddress) -> str:
    """A readable name for messages: the path, or ``@name`` for an abstract name.

    Bytes that are not printable UTF-8 are shown as escapes (``\\xff``), so the result is always
    one safe line.
    """
    raw = os.fsencode(address)
    text = raw.decode("utf-8", "backslashreplace")
    if text.startswith("\0"):
        text = "@" + text[1:]
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def _check(raw: bytes) -> None:
    if not raw:
        raise InvalidAddress("empty socket name")
    if raw[:1] == b"\0":
        if len(raw) == 1:
            raise InvalidAddress("empty abstract socket name (a NUL with nothing after it)")
        if len(raw) > MAX_ABSTRACT_NAME:
            raise InvalidAddress(
                f"abstract socket name '{describe_address(raw)}' is {len(raw)} bytes with its "
                f"leading NUL; Linux allows at most {MAX_ABSTRACT_NAME}"
            )
    elif b"\0" in raw:
        at = raw.index(b"\0")
        raise InvalidAddress(
            f"socket path '{describe_address(raw)}' has a NUL byte at offset {at}; the kernel "
            "would silently connect to the part before it"
        )


def _address_from_bytes(raw: bytes) -> SocketAddress:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
