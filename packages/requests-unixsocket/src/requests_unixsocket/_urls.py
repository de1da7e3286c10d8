"""UNIX-socket URLs as requests sees them: validated and made safe before requests parses them."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import requests.exceptions

import unixsocket_url

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_SCHEME = "http+unix://"
"""The URL prefix the adapter is mounted for by default; ``https+unix://`` is mounted too."""

_PLAIN_HOST = re.compile(r"[A-Za-z0-9%_~-][A-Za-z0-9%._~-]*\Z")
"""A host part requests and urllib3 carry unchanged (a leading '.' makes requests refuse it)."""


def scheme_of(prefix: str) -> str:
    """``"http+unix"`` for ``"http+unix://"`` (lower case)."""
    return prefix.partition("://")[0].lower()


def canonical_url(url: str, schemes: Iterable[str] = ()) -> str | None:
    """*url* with a UNIX-socket scheme, or ``None`` when it is not a UNIX-socket URL.

    Custom schemes in *schemes* (a Session's ``url_scheme``, say ``http+docker``) are UNIX-socket
    schemes too: they map to ``https+unix`` when they start with ``https``, else ``http+unix``.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    scheme = scheme.lower()
    if scheme in unixsocket_url.SCHEMES:
        return url
    if scheme in schemes:
        return ("https+unix" if scheme.startswith("https") else "http+unix") + sep + rest
    return None


def unix_url(url: str) -> str | None:
    """*url* as a ``http+unix``/``https+unix`` URL, or None for ``http(s)://``.

    Any other scheme the adapter is mounted for (``Session(url_scheme="http+docker://")``)
    names a socket too.
    """
    scheme = url.partition("://")[0].lower()
    if scheme in ("http", "https"):
        return None
    return canonical_url(url, (scheme,))


def next_url(url: str, location: str, unix: str | None) -> str:
    """The URL a client requests next when *url* redirects to *location*: the reading of
    :func:`unixsocket_url.join_url`. *unix* is *url* as a ``http+unix``/``https+unix`` URL
    (``None`` when it names no socket); a URL on that same socket keeps the scheme *url* is
    written with (``http+docker://``, say), so it goes to the same adapter."""
    joined = unixsocket_url.join_url(unix or url, location)
    if unix is None or unix == url:
        return joined
    scheme, host, _ = unixsocket_url.split_url(unix)
    tail = joined[len(scheme) + 3 + len(host) :]
    if joined.startswith(f"{scheme}://{host}") and tail[:1] in ("", "/", "?", "#"):
        return f"{url.partition('://')[0]}://{host}{tail}"
    return joined


def parse(url: str) -> unixsocket_url.UnixSocketURL:
    """:func:`unixsocket_url.parse_url`, raising requests' ``InvalidURL`` (same message)."""
    try:
        return unixsocket_url.parse_url(url)
    except unixsocket_url.InvalidURL as exc:
        raise requests.exceptions.InvalidURL(str(exc)) from exc


def prepared_form(url: str, schemes: Iterable[str] = ()) -> str:
    """Check a UNIX-socket *url* and rewrite its host so requests and urllib3 accept it.

    The socket part is left as written when it is plain (``%2Frun%2Fapp.sock``); the literal
    ``\\0name`` form, raw non-ASCII or spaces are re-encoded (``%00name``), which requests would
    otherwise reject or IDNA-encode. Raises ``InvalidURL`` for a malformed URL, before any
    connection is made. Other URLs are returned unchanged.
    """
    canonical = canonical_url(url, schemes)
    if canonical is None:
        return url
    parsed = parse(canonical)
    scheme, written, rest = unixsocket_url.split_url(url)
    if _PLAIN_HOST.match(written):
        return url
    host = unixsocket_url.split_url(unixsocket_url.build_url(os.fsencode(parsed.address)))[1]
    if host.startswith("."):
        host = "%2E" + host[1:]
    return f"{scheme}://{host}{rest}"
