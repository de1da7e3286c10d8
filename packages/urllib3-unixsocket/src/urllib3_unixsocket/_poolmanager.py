"""A PoolManager that also speaks ``http+unix://`` and ``https+unix://``."""

from __future__ import annotations

import functools
import logging
import os
from typing import TYPE_CHECKING, Any

from urllib3._collections import HTTPHeaderDict
from urllib3.exceptions import LocationValueError, MaxRetryError
from urllib3.poolmanager import SSL_KEYWORDS, PoolKey, PoolManager, _default_key_normalizer
from urllib3.util import parse_url as urllib3_parse_url
from urllib3.util.retry import Retry

import unixsocket_url
from unixsocket_url import (
    SCHEMES,
    SocketAddress,
    SocketLike,
    SocketNames,
    SocketSource,
    SocketTarget,
)

from ._errors import RedirectRefused
from ._pool import UnixHTTPConnectionPool, UnixHTTPSConnectionPool

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from urllib3.connectionpool import HTTPConnectionPool
    from urllib3.response import BaseHTTPResponse

log = logging.getLogger(__name__)

_CONTENT_HEADERS = frozenset(
    {
        "content-encoding",
        "content-language",
        "content-location",
        "content-type",
        "content-length",
        "digest",
        "last-modified",
        "transfer-encoding",
    }
)
"""Dropped with the body when a 303 turns the request into a GET (RFC 9110, 15.4)."""


def _unix_pool_key(key_class: type[PoolKey], request_context: dict[str, Any]) -> PoolKey:
    """The pool key of a socket: its address and the TLS settings, never a path or query."""
    context = dict(request_context)
    address: SocketAddress | SocketTarget = context.pop("address")
    key = _default_key_normalizer(key_class, context)
    # The host is always "localhost"; the address (case and bytes kept) tells sockets apart, and
    # a held socket or connect callable is told apart by its name (unique in its manager).
    if isinstance(address, SocketTarget):
        return key._replace(key_host=f"name:{address.name}")
    return key._replace(key_host=f"unix:{address!r}")


def parse_unix_url(url: str) -> unixsocket_url.UnixSocketURL:
    """:func:`unixsocket_url.parse_url`, raising urllib3's ``LocationValueError``."""
    try:
        return unixsocket_url.parse_url(url)
    except unixsocket_url.InvalidURL as exc:
        raise LocationValueError(str(exc)) from exc


class UnixPoolManager(PoolManager):
    """urllib3's :class:`~urllib3.PoolManager`, which also takes UNIX-socket URLs.

    ``http+unix://<percent-encoded socket path>/<path>`` (``https+unix://`` for TLS over the
    socket) go to one :class:`UnixHTTPConnectionPool` per socket address and TLS settings, so
    every path and query string on a socket shares the same keep-alive connections. Plain
    ``http://`` and ``https://`` URLs work exactly as with :class:`~urllib3.PoolManager`.

    Redirects are followed as urllib3 does, and relative ``Location`` headers stay on the
    socket. A redirect from any other origin into a UNIX socket, or from one socket to another,
    raises :class:`RedirectRefused` unless *allow_socket_redirects* is true. Headers in
    ``Retry.remove_headers_on_redirect`` (``Authorization``, ``Cookie``,
    ``Proxy-Authorization``) are dropped when a redirect leaves the socket.

    *expected_peer_uid* applies to every socket of the manager: a socket served by another user
    raises :class:`SocketAccessDenied` before any byte of the request is sent (Linux only). To
    expect different users, use one manager per expectation.

    *sockets* names sockets, so that ``http+unix://docker/v1.45/info`` reaches the socket
    registered as ``docker`` (names are host names, in any letter case). A value is a socket
    spec (``"unix:///var/run/docker.sock"``, ``"/run/app.sock"``, ``"@name"``), a connected
    ``AF_UNIX`` stream socket the manager takes over (one connection that cannot be re-made:
    see :class:`UnixHTTPConnectionPool`), or a connect callable called for each new
    connection. A name with an address shares that address's pool; a name wins over a
    relative socket path of the same spelling (write that path ``./docker``, ``.%2Fdocker`` in
    a URL). Only the UNIX-socket schemes reach names: ``http://docker/`` stays a TCP host.
    Redirects see a name as the socket it names. ``clear()`` (and leaving a ``with`` block)
    closes the held sockets, used or not.
    """

    def __init__(
        self,
        num_pools: int = 10,
        headers: Mapping[str, str] | None = None,
        *,
        allow_socket_redirects: bool = False,
        expected_peer_uid: int | None = None,
        sockets: Mapping[str, SocketSource] | None = None,
        **connection_pool_kw: Any,
    ) -> None:
        self.sockets = SocketNames(sockets)
        """The registered socket names (a :class:`unixsocket_url.SocketNames`)."""
        self._held_pools: dict[PoolKey, HTTPConnectionPool] = {}
        """The pools of held sockets, never evicted (see ``connection_from_pool_key``)."""
        super().__init__(num_pools, headers, **connection_pool_kw)
        self.allow_socket_redirects = allow_socket_redirects
        self._expected_peer_uid = expected_peer_uid
        self.pool_classes_by_scheme = {
            **self.pool_classes_by_scheme,
            "http+unix": UnixHTTPConnectionPool,
            "https+unix": UnixHTTPSConnectionPool,
        }
        key_fn = functools.partial(_unix_pool_key, PoolKey)
        self.key_fn_by_scheme = {
            **self.key_fn_by_scheme,
            "http+unix": key_fn,
            "https+unix": key_fn,
        }
        self._socket_keys: dict[
            tuple[str, SocketAddress | SocketTarget], tuple[Any, PoolKey, dict[str, Any]]
        ] = {}
        """Pool key and context per (scheme, address) under the default pool settings, so a
        request does not rebuild them (``_default_key_normalizer`` costs more than the rest of
        the pool look-up); valid while ``connection_pool_kw`` and the key function are."""

    @property
    def expected_peer_uid(self) -> int | None:
        """The uid every socket must be served by (read-only: the pools are made with it)."""
        return self._expected_peer_uid

    def connection_from_socket(
        self,
        address: SocketLike,
        scheme: str = "http+unix",
        pool_kwargs: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        """The pool of the UNIX socket *address*, a socket spec (``https+unix`` *scheme*: TLS
        over it)."""
        try:
            scheme = unixsocket_url.normalize_scheme(scheme)
        except unixsocket_url.InvalidURL as exc:
            raise LocationValueError(f"{exc} (for a UNIX socket)") from None
        return self._pool_of(scheme, unixsocket_url.parse_socket(address), pool_kwargs)

    def _pool_of(
        self,
        scheme: str,
        address: SocketAddress | SocketTarget,
        pool_kwargs: dict[str, Any] | None,
    ) -> HTTPConnectionPool:
        if pool_kwargs is None:
            return self._socket_pool(scheme, address)
        context = self._merge_pool_kwargs(pool_kwargs)
        context.update(scheme=scheme, host="localhost", port=None, address=address)
        return self.connection_from_context(context)

    def _socket_pool(
        self, scheme: str, address: SocketAddress | SocketTarget
    ) -> HTTPConnectionPool:
        """The pool of a parsed *address* (or held socket or connect callable) under the default
        pool settings."""
        settings = (
            _snapshot(self.connection_pool_kw),
            self.key_fn_by_scheme.get(scheme),
        )
        cached = self._socket_keys.get((scheme, address))
        if cached is None or cached[0] != settings:
            context = self._merge_pool_kwargs(None)
            context.update(scheme=scheme, host="localhost", port=None, address=address)
            if "strict" in context or settings[1] is None:
                return self.connection_from_context(context)  # warns or raises as urllib3 does
            key = settings[1](dict(context))
            if len(self._socket_keys) >= 64:
                self._socket_keys.clear()
            cached = self._socket_keys[(scheme, address)] = (settings, key, context)
        return self.connection_from_pool_key(cached[1], request_context=dict(cached[2]))

    def connection_from_host(
        self,
        host: str | None,
        port: int | None = None,
        scheme: str | None = "http",
        pool_kwargs: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        """:class:`~urllib3.PoolManager`'s, where *host* of a UNIX scheme is the encoded socket."""
        if scheme is not None and scheme.lower() in SCHEMES:
            if port is not None:
                raise LocationValueError("a UNIX-socket URL has no port")
            parsed = parse_unix_url(f"{scheme}://{host or ''}/")
            return self._pool_of(parsed.scheme, self.sockets.socket_of(parsed.address), pool_kwargs)
        return super().connection_from_host(host, port, scheme, pool_kwargs)

    def connection_from_url(
        self, url: str, pool_kwargs: dict[str, Any] | None = None
    ) -> HTTPConnectionPool:
        """The pool for *url*: the socket's pool for a UNIX-socket URL (its host may be a
        registered name)."""
        if unixsocket_url.is_unix_url(url):
            parsed = parse_unix_url(url)
            return self._pool_of(parsed.scheme, self.sockets.socket_of(parsed.address), pool_kwargs)
        return super().connection_from_url(url, pool_kwargs)

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        if scheme not in SCHEMES:
            return super()._new_pool(scheme, host, port, request_context)
        context = dict(self.connection_pool_kw if request_context is None else request_context)
        for key in ("scheme", "host", "port"):
            context.pop(key, None)
        address: SocketAddress | SocketTarget = context.pop("address")
        if not isinstance(address, SocketTarget):  # bytes: the exact name, not a spec
            address = self.sockets.named(address) or SocketTarget(os.fsencode(address))
        if scheme == "http+unix":
            for key in SSL_KEYWORDS:
                context.pop(key, None)
        pool_cls = self.pool_classes_by_scheme[scheme]
        pool: HTTPConnectionPool = pool_cls(
            address, expected_peer_uid=self._expected_peer_uid, **context
        )
        return pool

    def connection_from_pool_key(
        self, pool_key: PoolKey, request_context: dict[str, Any]
    ) -> HTTPConnectionPool:
        """urllib3's, except that the pool of a held socket is kept apart from ``pools``: urllib3
        closes (1.26) or drops (2.x) the least recently used of ``num_pools`` pools, and a held
        socket's connection cannot be made again."""
        target = request_context.get("address")
        if not (isinstance(target, SocketTarget) and target.held):
            return super().connection_from_pool_key(pool_key, request_context)
        with self.pools.lock:
            pool = self._held_pools.get(pool_key)
            if pool is None:
                scheme = request_context["scheme"]
                pool = self._new_pool(scheme, "localhost", 0, request_context=request_context)
                self._held_pools[pool_key] = pool
        return pool

    def clear(self) -> None:
        """urllib3's ``clear()``, which also closes the held sockets, used or not (the manager
        owns them): their pools at once, a connection in use when its response releases it."""
        super().clear()
        with self.pools.lock:
            held, self._held_pools = list(self._held_pools.values()), {}
        for pool in held:
            pool.close()
        self.sockets.close()

    def urlopen(  # type: ignore[override]
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> BaseHTTPResponse:
        """Send the request for *url*; UNIX-socket URLs go to their socket's pool.

        Redirects are followed when *redirect* is true (see the class documentation).
        """
        kw.setdefault("headers", self.headers)
        if unixsocket_url.is_unix_url(url):
            parsed = parse_unix_url(url)
            conn = self._socket_pool(parsed.scheme, self.sockets.socket_of(parsed.address))
            pool_kw = {**kw, "assert_same_host": False, "redirect": False}
            response = conn.urlopen(method, parsed.target, **pool_kw)
        else:
            conn = self.connection_from_url(url)
            response = super().urlopen(method, url, redirect=False, **kw)

        location = redirect and response.get_redirect_location()
        if not location:
            return response
        return self._follow(
            method, url, location, response=response, conn=conn, redirect=redirect, kw=kw
        )

    def _follow(
        self,
        method: str,
        url: str,
        location: str,
        *,
        response: BaseHTTPResponse,
        conn: HTTPConnectionPool,
        redirect: bool,
        kw: dict[str, Any],
    ) -> BaseHTTPResponse:
        """Follow the redirect of *response* to *location*, or refuse it."""
        target = unixsocket_url.join_url(url, location)
        if not self.allow_socket_redirects:
            refusal = unixsocket_url.redirect_refusal(url, target, self.sockets)
            if refusal is not None:
                response.drain_conn()
                raise RedirectRefused(refusal, target)

        if response.status == 303:
            method = "GET"
            kw["body"] = None
            kw["chunked"] = False
            kw["body_pos"] = None
            kw["headers"] = _without(kw["headers"], _CONTENT_HEADERS)

        retries = kw.get("retries", response.retries)
        if not isinstance(retries, Retry):
            retries = Retry.from_int(retries, redirect=redirect)

        if retries.remove_headers_on_redirect and not _same_origin(url, target, self.sockets):
            kw["headers"] = _without(kw["headers"], retries.remove_headers_on_redirect)

        try:
            retries = retries.increment(method, url, response=response, _pool=conn)
        except MaxRetryError:
            if retries.raise_on_redirect:
                response.drain_conn()
                raise
            return response

        kw["retries"] = retries
        log.info("Redirecting %s -> %s", url, target)
        response.drain_conn()
        return self.urlopen(method, target, redirect=redirect, **kw)


def _snapshot(kw: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of pool settings that an in-place change of a dict or list value cannot alter."""
    return {
        name: dict(value)
        if isinstance(value, dict)
        else list(value)
        if isinstance(value, list)
        else value
        for name, value in kw.items()
    }


def _without(headers: Mapping[str, str], names: Collection[str]) -> HTTPHeaderDict:
    """A copy of *headers* without the fields in *names* (lower case)."""
    kept = HTTPHeaderDict(headers)
    for name in list(kept.keys()):
        if name.lower() in names:
            kept.discard(name)
    return kept


def _same_origin(source: str, target: str, names: SocketNames) -> bool:
    """Whether *target* is on the same socket (or scheme, host and port) as *source*."""
    if unixsocket_url.is_unix_url(source) or unixsocket_url.is_unix_url(target):
        return unixsocket_url.same_socket(source, target, names)
    a_url, b_url = urllib3_parse_url(source), urllib3_parse_url(target)
    return (a_url.scheme, a_url.host, a_url.port) == (b_url.scheme, b_url.host, b_url.port)
