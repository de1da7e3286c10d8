"""Which socket a request names, given that httpx has lowercased the URL host by then.

httpx lowercases every URL host while parsing, so ``http+unix://%2Frun%2FApp.sock/`` reaches a
transport as ``%2frun%2fapp.sock``. Letters written as ``%XX`` escapes keep their case; bare
letters may have lost it. The clients carry the exact address in ``request.extensions``; a bare
mounted transport without it goes ahead only when no other socket could have been meant.

A transport decides that once per URL host (:class:`Decisions`): the file system is read for
the first request to a socket, not for every one. A socket created later whose name differs
only in case is not seen by a transport that has already decided (it goes on sending to the
socket it checked, as its keep-alive connections do); a new transport, or the clients, which
never guess, see it. Refusals and names with no socket behind them yet are never kept.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import httpx

from unixsocket_url import InvalidURL, describe_address, normalize_address, parse_url

if TYPE_CHECKING:
    from unixsocket_url import SocketAddress

UNIX_SOCKET_EXTENSION = "unix_socket"
"""The request extension holding the exact socket address (``str`` or ``bytes``)."""

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_PROC_NET_UNIX = "/proc/net/unix"
_MAX_DECISIONS = 1024


class Decisions:
    """A transport's verdicts on the URL hosts it was sent: the socket each one names."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[bytes, SocketAddress] = {}

    def get(self, host: bytes) -> SocketAddress | None:
        return self._known.get(host)

    def keep(self, host: bytes, address: SocketAddress) -> None:
        if len(self._known) >= _MAX_DECISIONS:
            self._known.clear()  # a bound, not a policy: the next requests check again
        self._known[host] = address


def _address_bytes(address: SocketAddress) -> bytes:
    return os.fsencode(address)


def parse_request_url(url: httpx.URL) -> SocketAddress:
    """The address in *url*'s host as httpx left it, or :class:`httpx.InvalidURL`."""
    host = url.raw_host.decode("ascii")
    try:
        return parse_url(f"{url.scheme}://{host}/").address
    except InvalidURL as exc:
        raise httpx.InvalidURL(str(exc)) from None


def resolve(url: httpx.URL, carried: object, decisions: Decisions) -> SocketAddress:
    """The exact socket address a request for *url* goes to.

    *carried* is the ``unix_socket`` extension: used when it names the same socket as the URL up
    to letter case. Otherwise the host decides, if it has no bare letters, or if the file system
    (``/proc/net/unix`` for abstract names) shows that no other socket differs only in their case;
    *decisions* keeps what the file system said, per host.
    """
    if isinstance(carried, (str, bytes)):
        # The clients' common case, the same few (host, extension) pairs: computed once each.
        address, exact = _carried_match(url.scheme, url.raw_host, carried)
    else:
        decided = decisions.get(url.raw_host) if carried is None else None
        if decided is not None:
            return decided
        address = parse_request_url(url)
        exact = None if carried is None else _match(address, carried)
    if exact is not None:
        return exact
    host = url.raw_host.decode("ascii")
    mask = _bare_letter_mask(host)
    if not any(mask):
        decisions.keep(url.raw_host, address)
        return address
    raw = _address_bytes(address)
    found = _abstract_variants(raw, mask) if raw[:1] == b"\0" else _path_variants(raw, mask)
    if found is None or (found and found != [_joined(raw)]):
        raise httpx.InvalidURL(_ambiguity_message(url, address, found))
    if found:  # the socket exists, and no other differs only in case
        decisions.keep(url.raw_host, address)
    return address


def _carried_match(
    scheme: str, raw_host: bytes, carried: SocketAddress
) -> tuple[SocketAddress, SocketAddress | None]:
    """The address in the URL host, and *carried* normalized if it is the same socket up to
    case."""
    try:
        address = parse_url(f"{scheme}://{raw_host.decode('ascii')}/").address
    except InvalidURL as exc:
        raise httpx.InvalidURL(str(exc)) from None
    return address, _match(address, carried)


def _match(address: SocketAddress, carried: object) -> SocketAddress | None:
    """*carried* normalized when it names *address* up to letter case, else ``None``."""
    try:
        exact = normalize_address(carried)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise httpx.InvalidURL(
            f"the {UNIX_SOCKET_EXTENSION!r} request extension is not a socket address: {exc}"
        ) from None
    if _address_bytes(exact).lower() == _address_bytes(address).lower():
        return exact
    return None


def _bare_letter_mask(host: str) -> list[bool]:
    """For each byte the host decodes to: was it a bare ASCII letter (case possibly lost)?"""
    mask: list[bool] = []
    index = 0
    while index < len(host):
        if _ESCAPE.match(host, index):
            mask.append(False)
            index += 3
        else:
            char = host[index]
            mask.extend([char.isascii() and char.isalpha()] * len(char.encode("utf-8")))
            index += 1
    return mask


def _matches(candidate: bytes, name: bytes, mask: list[bool]) -> bool:
    """*candidate* equals *name*, ignoring case only where *mask* says the case was lost."""
    if len(candidate) != len(name):
        return False
    return all(
        (a.lower() == b.lower()) if bare else (a == b)
        for a, b, bare in zip(candidate.decode("latin-1"), name.decode("latin-1"), mask)
    )


def _joined(raw: bytes) -> bytes:
    """*raw* as :func:`_path_variants` spells paths (empty components dropped)."""
    if raw[:1] == b"\0":
        return raw
    parts = [part for part in raw.split(b"/") if part]
    return os.path.join(b"/" if raw.startswith(b"/") else b"", *parts)


def _path_variants(raw: bytes, mask: list[bool]) -> list[bytes] | None:
    """Existing paths that *raw* could have been before lowercasing; None if not knowable."""
    bases = [b"/"] if raw.startswith(b"/") else [b""]
    start = 0
    for part in raw.split(b"/"):
        part_mask, start = mask[start : start + len(part)], start + len(part) + 1
        if not part:
            continue
        if not any(part_mask):
            bases = [os.path.join(base, part) for base in bases]
            continue
        found: list[bytes] = []
        for base in bases:
            try:
                entries = os.listdir(base or b".")
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError:
                return None
            found.extend(os.path.join(base, e) for e in entries if _matches(e, part, part_mask))
        bases = sorted(found)
        if not bases:
            return []
    return [base for base in bases if os.path.lexists(base)]


def _abstract_variants(raw: bytes, mask: list[bool]) -> list[bytes] | None:
    """Abstract names bound in this network namespace that *raw* could have been."""
    try:
        with open(_PROC_NET_UNIX, "rb") as table:
            lines = table.read().splitlines()[1:]
    except OSError:
        return None
    shown = b"@" + raw[1:].replace(b"\0", b"@")  # how /proc/net/unix prints abstract names
    found: set[bytes] = set()
    for line in lines:
        fields = line.split(maxsplit=7)
        if len(fields) == 8 and _matches(fields[7], shown, mask):
            found.add(fields[7])
    return [raw] if found == {shown} else sorted(b"\0" + name[1:] for name in found)


def _ambiguity_message(url: httpx.URL, address: SocketAddress, found: list[bytes] | None) -> str:
    name = describe_address(address)
    advice = (
        "Send the request through httpx_unixsocket.Client or AsyncClient (they carry the exact "
        "socket name), or give the transport its socket: single-socket mode, socket=..."
    )
    if found is None:
        unread = "/proc/net/unix" if _address_bytes(address)[:1] == b"\0" else "its directories"
        why = f"its letters' case cannot be checked here ({unread} could not be read)"
    elif len(found) == 1:  # only a socket whose name has upper-case letters
        why = f"the socket is named {describe_address(found[0])!r}"
        advice += ", or build the URL with unixsocket_url.build_url (it escapes upper-case letters)"
    else:
        others = ", ".join(repr(describe_address(f)) for f in found[:5])
        why = f"sockets differing only in letter case exist: {others}"
    return (
        f"the UNIX socket in {str(url)!r} is ambiguous: httpx lowercases URL hosts, so the "
        f"transport got '{name}', and {why}. {advice}"
    )
