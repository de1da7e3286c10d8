"""The ``http+unix://`` URL grammar: one parser and one builder for every package above.

``http+unix://<percent-encoded socket name>/<path>?<query>``: the host part is the socket's file
path (or ``%00`` and a Linux abstract name) percent-encoded as a whole, ``/`` included.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Union
from urllib.parse import quote, unquote_to_bytes, urlencode, urljoin, urlsplit

from ._address import (
    SocketLike,
    _address_from_bytes,
    address_bytes,
    describe_address,
    is_abstract,
)
from ._errors import InvalidAddress, InvalidURL, SocketAddress
from ._spec import parse_socket

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ._target import SocketNames, SocketTarget

    QueryArg = Union[str, Mapping[str, str], Sequence[tuple[str, str]], None]

SCHEMES = {"http+unix": "http", "https+unix": "https"}
"""The UNIX-socket schemes, and the plain scheme each request is sent as over the socket."""

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_BYTES = [
    chr(byte) if chr(byte) in "abcdefghijklmnopqrstuvwxyz0123456789-._~" else f"%{byte:02X}"
    for byte in range(256)
]
"""How build_url writes each byte of a name: unreserved lower case as is, the rest escaped."""
_SCHEME = re.compile(r"\A[A-Za-z][A-Za-z0-9+.-]*:")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")
_NOT_IN_HOST = re.compile(r"[\x00-\x20\x7f\s]")
_PATH_SAFE = "!$%&'()*+,/:;=@[]~"
_QUERY_SAFE = _PATH_SAFE + "?"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@\[\]-]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@\[\]?-]*")
"""Text :func:`_encode` returns as it is: unreserved and safe characters, no ``%``."""


@dataclass(frozen=True)
class UnixSocketURL:
    """A parsed UNIX-socket URL: which socket to dial and what to send on it."""

    scheme: str
    """``"http+unix"`` or ``"https+unix"``."""
    address: SocketAddress
    """What ``socket.connect()`` takes: ``str``, or ``bytes`` when the name is not UTF-8."""
    path: str
    """The request path, percent-encoded, ``"/"`` when the URL has none."""
    query: str
    """The query string without ``?`` (``""`` when absent). Fragments are dropped."""

    @property
    def is_abstract(self) -> bool:
        """True for a Linux abstract name (the address starts with NUL)."""
        return is_abstract(self.address)

    @property
    def target(self) -> str:
        """The request target: path plus ``?query``."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def http_scheme(self) -> str:
        """``"http"`` or ``"https"``: what the request is over the socket."""
        return SCHEMES[self.scheme]

    @property
    def http_url(self) -> str:
        """The same request as a plain URL for a client library: ``http://localhost/<target>``."""
        return f"{self.http_scheme}://localhost{self.target}"

    @property
    def socket_name(self) -> str:
        """The socket for messages: its path, or ``@name`` for an abstract name."""
        return describe_address(self.address)

    def __str__(self) -> str:
        return _build(address_bytes(self.address), self.target, None, self.scheme)


def parse_url(url: str) -> UnixSocketURL:
    """Parse a ``http+unix://`` or ``https+unix://`` URL.

    The socket name is percent-decoded to bytes (``+`` stays a plus; ``%2F`` equals ``%2f``). A
    leading ``%00``, or the literal ``\\0`` form requests-unixsocket documents, makes an abstract
    name. Raises :class:`InvalidURL` saying which part is wrong and why.
    """
    if not isinstance(url, str):
        raise TypeError(f"a URL is a str, not {type(url).__name__}")
    return _parse(url)


@lru_cache(maxsize=1024)
def _parse(url: str) -> UnixSocketURL:
    try:
        url.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidURL(
            f"{_shorten(url)!r} holds a lone surrogate at offset {exc.start}; a URL is text"
        ) from None
    if "://" not in url:
        raise InvalidURL(
            f"{_shorten(url)!r} is not a UNIX-socket URL; expected "
            "'http+unix://<percent-encoded socket path>/<path>'"
        )
    scheme, netloc, tail = split_url(url)
    scheme = normalize_scheme(scheme)
    address = _decode_socket(netloc)
    if tail.startswith("#") or not tail:
        path, query = "/", ""
    else:
        tail = tail.partition("#")[0]
        path, _, query = tail.partition("?")
        path = _encode(path, _PATH_SAFE) if path else "/"
        query = _encode(query, _QUERY_SAFE)
    return UnixSocketURL(scheme=scheme, address=address, path=path, query=query)


def build_url(
    socket: SocketLike,
    path: str = "/",
    *,
    query: QueryArg = None,
    scheme: str = "http+unix",
) -> str:
    """Build the URL for *path* on *socket*; the one right way to put a socket name in a URL.

    *socket* is a socket spec (``"unix:///run/app.sock"``, ``"/run/app.sock"``, ``"@name"``:
    see :func:`parse_socket`), or ``bytes`` or ``os.PathLike``, taken as the exact name. *path*
    may carry a query; characters a request line cannot carry are percent-encoded, existing
    ``%XX`` escapes are kept. *query* (a string, a mapping or pairs) is appended.
    ``parse_url(build_url(s, p)).address`` is exactly ``parse_socket(s)``, whatever bytes its
    name holds.

    Upper-case letters in the name are percent-encoded too (``/run/App.sock`` gives
    ``%2Frun%2F%41pp.sock``), so the URL names the same socket even after a client library
    lowercases its host, as httpx does.
    """
    raw = os.fsencode(parse_socket(socket)) if isinstance(socket, str) else address_bytes(socket)
    return _build(raw, path, query, normalize_scheme(scheme))


def _build(raw: bytes, path: str, query: QueryArg, scheme: str) -> str:
    netloc = "".join(_HOST_BYTES[byte] for byte in raw)
    target = _encode(path.replace("#", "%23"), _QUERY_SAFE)
    if not target.startswith("/"):
        target = "/" + target
    if query:
        extra = (
            _encode(query, _QUERY_SAFE)
            if isinstance(query, str)
            else urlencode(query, doseq=True, quote_via=quote)
        )
        target += ("&" if "?" in target else "?") + extra
    return f"{scheme}://{netloc}{target}"


def is_unix_url(url: str) -> bool:
    """True when *url* has a UNIX-socket scheme (it may still be malformed).

    The scheme is read as URL parsers read it: in any letter case, with or without ``//``,
    ignoring surrounding blanks and control characters and tabs or newlines inside.
    """
    return _scheme_of(url) in SCHEMES


def join_url(base: str, location: str) -> str:
    """The URL a client requests next when *base* answers with a redirect to *location*.

    *location* is read as URL parsers read a ``Location`` header (surrounding blanks and control
    characters stripped, tabs and newlines removed). On a UNIX-socket *base* a relative location
    stays on *base*'s socket (``urllib.parse.urljoin`` would return ``/landed`` for
    ``Location: /landed``). A location with a UNIX-socket scheme but no socket name
    (``http+unix:/path``, ``http+unix:///path``, ``http+unix:path``) takes *base*'s host, as
    httpx does: the same socket from a socket, a socket-scheme URL on *base*'s host from an
    ordinary origin. Any other absolute location is returned as it is.
    """
    location = _as_parsers_read(location)
    scheme = _scheme_of(location)
    if scheme is not None:
        after = location[len(scheme) + 1 :]
        if scheme not in SCHEMES or (after[:2] == "//" and _first_of(after[2:], "/?#") > 0):
            return location
        return _on_host_of(base, scheme, after[2:] if after[:2] == "//" else after)
    if not is_unix_url(base):
        return urljoin(base, location)
    base_scheme = base.partition("://")[0]
    if location.startswith("//"):
        return f"{base_scheme}:{location}"
    return _on_host_of(base, base_scheme, location)


def _on_host_of(base: str, scheme: str, reference: str) -> str:
    """*reference* (a path, relative or not, with a query) resolved against *base*, kept on
    *base*'s host exactly as written there, with *scheme*."""
    _, host, base_target = split_url(base)
    joined = urlsplit(urljoin(f"http://localhost{base_target or '/'}", reference))
    target = joined.path + (f"?{joined.query}" if joined.query else "")
    return f"{scheme}://{host}{target}"


def redirect_refusal(source: str, location: str, names: SocketNames | None = None) -> str | None:
    """Why a redirect from *source* to *location* must not be followed, or ``None``.

    Decided on :func:`join_url` ``(source, location)``, the URL the client would request next,
    never on the header as written. A redirect into a UNIX socket is refused unless it comes
    from the same socket: from any other origin it would let a remote server reach local daemons
    (the Docker socket, say) with the client's method, body and headers. With *names*, a
    registered name is the socket it names (``http+unix://docker/`` and the Docker socket's
    path are one socket). A malformed socket URL is refused too. Leaving a socket for an
    ordinary URL is not refused here; the flavors strip :data:`CREDENTIAL_HEADERS` when it
    happens.
    """
    target_url = join_url(source, location)
    if not is_unix_url(target_url):
        return None
    shown = _shorten(target_url)
    try:
        target: UnixSocketURL | None = parse_url(target_url)
    except InvalidURL as exc:
        target, malformed = None, str(exc)
    if not is_unix_url(source):
        origin = urlsplit(source)
        into = (
            f"named by {shown!r} (malformed: {malformed})"
            if target is None
            else f"'{_socket_shown(target, names)}' ({shown})"
        )
        return (
            f"refused a redirect from {origin.scheme}://{origin.netloc} into the UNIX socket "
            f"{into}: a server may not send a client to a local socket"
        )
    here = parse_url(source)
    if target is None:
        return (
            f"refused a redirect from the UNIX socket '{_socket_shown(here, names)}' to a "
            f"malformed UNIX-socket URL {shown!r}: {malformed}"
        )
    if _identity(here, names) != _identity(target, names):
        return (
            f"refused a redirect from the UNIX socket '{_socket_shown(here, names)}' to a "
            f"different socket '{_socket_shown(target, names)}' ({shown})"
        )
    return None


def same_socket(url: str, other: str, names: SocketNames | None = None) -> bool:
    """True when both URLs are UNIX-socket URLs of one socket, with one scheme (``http+unix``
    or ``https+unix``): a redirect between them keeps its credentials. With *names*, a
    registered name is the socket it names."""
    try:
        a, b = parse_url(url), parse_url(other)
    except InvalidURL:
        return False
    return a.scheme == b.scheme and _identity(a, names) == _identity(b, names)


def _identity(url: UnixSocketURL, names: SocketNames | None) -> SocketAddress | SocketTarget:
    """The socket *url* reaches: its address, or the registered target of a name."""
    return names.socket_of(url.address) if names else url.address


def _socket_shown(url: UnixSocketURL, names: SocketNames | None) -> str:
    target = names.lookup(url.address) if names else None
    return url.socket_name if target is None else target.shown


def split_url(url: str) -> tuple[str, str, str]:
    """*url* as its scheme (as written), its host (the socket part of a UNIX-socket URL, as
    written) and the rest (path, query, fragment): ``split_url("http+unix://%2Fs/a?b")`` is
    ``("http+unix", "%2Fs", "/a?b")``. No checks: for rewriting a URL without re-encoding it."""
    scheme, _, rest = url.partition("://")
    cut = _first_of(rest, "/?#")
    return scheme, rest[:cut], rest[cut:]


def _as_parsers_read(url: str) -> str:
    """*url* as ``urllib.parse`` and WHATWG URL parsers read it: C0 controls and spaces
    stripped at both ends, tabs and newlines removed everywhere."""
    return url.strip(_C0_AND_SPACE).translate(_TAB_AND_NEWLINES)


def _scheme_of(url: str) -> str | None:
    """*url*'s scheme in lower case, as URL parsers read it, or ``None`` when it has none."""
    match = _SCHEME.match(url) or _SCHEME.match(_as_parsers_read(url))
    return match.group()[:-1].lower() if match else None


def normalize_scheme(scheme: str) -> str:
    """``"http+unix"`` or ``"https+unix"`` for *scheme* in any letter case, with or without
    ``://``; :class:`InvalidURL` for any other scheme."""
    lowered = scheme.lower()
    if lowered.endswith("://"):
        lowered = lowered[:-3]
    if lowered not in SCHEMES:
        raise InvalidURL(
            f"unsupported scheme {_shorten(scheme)!r}; expected 'http+unix' or 'https+unix'"
        )
    return lowered


@lru_cache(maxsize=256)
def _decode_socket(netloc: str) -> SocketAddress:
    """The socket a URL's host names (cached apart from whole URLs: a client sends many
    paths to the same few sockets; errors are not cached, and raise every time)."""
    if netloc.startswith("\0"):  # requests-unixsocket's documented literal form
        netloc = "%00" + netloc[1:]
    if not netloc:
        raise InvalidURL(
            "the URL names no socket; percent-encode the socket path as the host, "
            "e.g. 'http+unix://%2Frun%2Fapp.sock/path'"
        )
    if "@" in netloc:
        raise InvalidURL(
            f"userinfo is not allowed in a UNIX-socket URL: {_shorten(netloc)!r} "
            "(write an '@' in a socket name as %40)"
        )
    if ":" in netloc:
        raise InvalidURL(
            f"a UNIX-socket URL has no port: {_shorten(netloc)!r} "
            "(write a ':' in a socket name as %3A)"
        )
    bad = _NOT_IN_HOST.search(netloc)
    if bad:
        raise InvalidURL(
            f"socket name {_shorten(netloc)!r} holds {bad.group()!r} at offset {bad.start()}; "
            "percent-encode it"
        )
    bad = _BAD_ESCAPE.search(netloc)
    if bad:
        raise InvalidURL(
            f"socket name {_shorten(netloc)!r} has a '%' at offset {bad.start()} that is not "
            "followed by two hex digits (write a literal '%' as %25)"
        )
    raw = unquote_to_bytes(netloc)
    try:
        address_bytes(raw)
    except InvalidAddress as exc:
        raise InvalidAddress(f"{exc} (in the URL's host {_shorten(netloc)!r})") from None
    return _address_from_bytes(raw)


def _encode(text: str, safe: str) -> str:
    """Percent-encode what a request line cannot carry; keep valid ``%XX`` escapes."""
    if (_PLAIN_QUERY if safe is _QUERY_SAFE else _PLAIN_PATH).fullmatch(text):
        return text  # most targets: a fourth of quote()'s time, half of a parse
    try:
        return quote(_BAD_ESCAPE.sub("%25", text), safe=safe)
    except UnicodeEncodeError as exc:
        raise InvalidURL(
            f"{_shorten(text)!r} holds a lone surrogate at offset {exc.start}"
        ) from None


def _first_of(text: str, chars: str) -> int:
    found = [i for i in map(text.find, chars) if i >= 0]
    return min(found) if found else len(text)


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
