"""``httpx.Client`` and ``httpx.AsyncClient`` with UNIX-socket URLs built in.

On top of mounting the transports, the clients do what a mounted transport alone cannot:

- keep the socket name's case (httpx lowercases URL hosts: the clients parse ``str`` URLs with
  ``unixsocket_url`` first and carry the exact address in the ``unix_socket`` extension);
- route every UNIX-socket URL to a UNIX transport, whatever proxies (``proxy=``, environment)
  or ``all://`` mounts say;
- refuse redirects into a UNIX socket from elsewhere, and strip credentials from any redirect
  that leaves the socket.

Four private httpx methods are overridden (``_transport_for_url``, ``_redirect_url``,
``_build_redirect_request``, ``_send_single_request``; the same signatures in httpx 0.27, 0.28
and httpx2 2.16, tested on each): event hooks cannot change the next redirect request, and a user
can replace them. One private attribute is read: ``httpx.URL._uri_reference``, whose path and query
a new URL on a known socket replaces (see :func:`_canonical_url`; tests/test_httpx compares every
such URL with httpx's own parse).
"""

from __future__ import annotations

import contextlib
import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import httpx

from unixsocket_url import (
    CREDENTIAL_HEADERS,
    SCHEMES,
    InvalidURL,
    UnixSocketURL,
    build_url,
    is_unix_url,
    join_url,
    parse_url,
    redirect_refusal,
)

from ._errors import RedirectRefused
from ._resolve import UNIX_SOCKET_EXTENSION, parse_request_url
from ._transport import DEFAULT_LIMITS, AsyncUnixTransport, UnixTransport

if TYPE_CHECKING:
    from collections.abc import Mapping
    from http.cookiejar import CookieJar

    from unixsocket_url import SocketAddress, SocketNames, SocketSource

_REFUSED = "httpx_unixsocket.redirect_refused"
"""Extension set on a redirect request the client refuses to send (holds the reason)."""
_R = TypeVar("_R")
_Redirect = Callable[[httpx.Request, httpx.Response], _R]
"""One of httpx's own redirect steps (``_redirect_url``, ``_build_redirect_request``)."""


_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|\Z)")
"""A ``.`` or ``..`` path segment: httpx's parser removes them (RFC 3986, 5.2.4)."""
_SHORT_URL = 8192
"""Longer canonical URLs go through httpx's whole parser, so its length limit (64 KiB) holds."""


def _parse(url: str) -> UnixSocketURL:
    try:
        return parse_url(url)
    except InvalidURL as exc:
        raise httpx.InvalidURL(str(exc)) from None


def _canonical(url: str) -> tuple[str, SocketAddress]:
    """*url* rewritten by ``unixsocket_url.build_url`` (lowercase-proof), and its socket."""
    parsed = _parse(url)
    return str(parsed), parsed.address


@lru_cache(maxsize=256)
def _socket_root(scheme: str, address: SocketAddress) -> tuple[httpx.URL, int]:
    """The canonical URL of *address*'s ``/``, and its length: httpx parses the long
    percent-encoded host character by character, once per socket here."""
    root = str(UnixSocketURL(scheme=scheme, address=address, path="/", query=""))
    return httpx.URL(root), len(root)


@lru_cache(maxsize=1024)
def _canonical_url(url: str) -> tuple[httpx.URL, SocketAddress]:
    """:func:`_canonical` as an :class:`httpx.URL` (immutable, so one serves every request for
    *url*). A new path on a known socket is not parsed by httpx again: its path and query, which
    ``parse_url`` has percent-encoded as httpx would (httpx leaves them as they are), replace
    those of the socket's root URL in ``httpx.URL._uri_reference`` (a ``NamedTuple`` in httpx
    0.27, 0.28 and httpx2; ``URL.copy_with`` would re-parse the host)."""
    parsed = _parse(url)
    path, query = parsed.path, parsed.query
    root, length = _socket_root(parsed.scheme, parsed.address)
    if _DOT_SEGMENT.search(path) or length + len(path) + len(query) > _SHORT_URL:
        return httpx.URL(str(parsed)), parsed.address
    canonical = httpx.URL.__new__(httpx.URL)
    canonical._uri_reference = root._uri_reference._replace(path=path, query=query or None)
    return canonical, parsed.address


def _transport_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The client options that configure its transports, for the UNIX transport too."""
    return {
        "verify": kwargs.get("verify", True),
        "cert": kwargs.get("cert"),
        "trust_env": kwargs.get("trust_env", True),
        "http1": kwargs.get("http1", True),
        "http2": kwargs.get("http2", False),
        "limits": kwargs.get("limits", DEFAULT_LIMITS),
    }


class _UnixRouting:
    """State and rules shared by both clients."""

    def __init__(self, allow_socket_redirects: bool, names: SocketNames | None) -> None:
        self.allow_socket_redirects = allow_socket_redirects
        self.names = names
        self.base: tuple[bytes, SocketAddress] | None = None

    def client_options(self, kwargs: dict[str, Any], transport: object) -> dict[str, Any]:
        """The httpx client's *kwargs* with its base URL canonical and *transport* mounted for
        both UNIX schemes (under the caller's own mounts)."""
        if "base_url" in kwargs:
            kwargs = {**kwargs, "base_url": self.set_base(kwargs["base_url"])}
        mounts = {"http+unix://": transport, "https+unix://": transport}
        return {**kwargs, "mounts": {**mounts, **(kwargs.get("mounts") or {})}}

    def set_base(self, url: httpx.URL | str) -> httpx.URL | str:
        self.base = None
        if isinstance(url, str) and is_unix_url(url):
            url, address = _canonical(url)
            self.base = (httpx.URL(url).raw_host, address)
        return url

    def prepare(self, url: httpx.URL | str) -> tuple[httpx.URL | str, SocketAddress | None]:
        if isinstance(url, str) and is_unix_url(url):
            return _canonical_url(url)
        return url, None

    def attach(self, request: httpx.Request, address: SocketAddress | None) -> httpx.Request:
        if request.url.scheme not in SCHEMES or UNIX_SOCKET_EXTENSION in request.extensions:
            return request
        if address is None and self.base is not None and request.url.raw_host == self.base[0]:
            address = self.base[1]
        if address is not None:
            request.extensions = {**request.extensions, UNIX_SOCKET_EXTENSION: address}
        return request

    @staticmethod
    def transport_for(url: httpx.URL, mounts: dict[Any, Any], default: object) -> Any:
        """A UNIX transport for *url*: a mount for a UNIX scheme that matches, or the default.

        Patterns without a UNIX scheme (``all://``, environment proxies) never capture it.
        """
        for pattern, transport in mounts.items():
            if pattern.scheme in SCHEMES and pattern.matches(url):
                return default if transport is None else transport
        return default

    def redirect_target(
        self, request: httpx.Request, location: str
    ) -> tuple[SocketAddress | None, str, str | None]:
        """The socket the request was on, its URL, and the redirect's URL when that leads to a
        UNIX socket, resolved by :func:`unixsocket_url.join_url` (httpx cannot resolve a
        relative location against a ``http+unix`` URL: its ``join`` drops the host)."""
        source: SocketAddress | None = None
        source_url = str(request.url)
        if request.url.scheme in SCHEMES:
            carried = request.extensions.get(UNIX_SOCKET_EXTENSION)
            source = carried if carried is not None else parse_request_url(request.url)
            target_path = request.url.raw_path.decode("ascii")
            source_url = build_url(os.fsencode(source), target_path, scheme=request.url.scheme)
        target = join_url(source_url, location)
        return source, source_url, target if is_unix_url(target) else None

    def redirect_url(self, request: httpx.Request, location: str) -> httpx.URL | None:
        """The URL a redirect to a UNIX socket goes to, rebuilt so httpx's lowercasing keeps
        the socket; ``None`` for any other redirect (httpx's own rules apply)."""
        target = self.redirect_target(request, location)[2]
        if target is None:
            return None
        try:
            return _canonical_url(target)[0]
        except httpx.InvalidURL as exc:
            if not self.allow_socket_redirects:  # refused before it is sent: check_redirect
                with contextlib.suppress(httpx.InvalidURL):
                    return httpx.URL(target)
            raise httpx.RemoteProtocolError(
                f"Invalid URL in location header: {exc}.", request=request
            ) from None

    def check_redirect(
        self, request: httpx.Request, response: httpx.Response
    ) -> tuple[SocketAddress | None, SocketAddress | None, str | None]:
        """The socket the request was on, the one the redirect goes to, and a refusal.

        A malformed socket URL, when socket redirects are allowed, is left to
        :meth:`redirect_url` to report.
        """
        source, source_url, target_url = self.redirect_target(request, response.headers["Location"])
        if target_url is None:
            return source, None, None
        try:
            if not self.allow_socket_redirects:
                refusal = redirect_refusal(source_url, target_url, self.names)
                if refusal is not None:
                    return source, None, refusal
            return source, parse_url(target_url).address, None
        except InvalidURL:
            return source, None, None

    def next_url(
        self, request: httpx.Request, response: httpx.Response, upstream: _Redirect[httpx.URL]
    ) -> httpx.URL:
        """The URL a redirect goes to: :meth:`redirect_url`'s, or httpx's (*upstream*)."""
        target = self.redirect_url(request, response.headers["Location"])
        return upstream(request, response) if target is None else target

    def next_request(
        self, request: httpx.Request, response: httpx.Response, upstream: _Redirect[httpx.Request]
    ) -> httpx.Request:
        """httpx's redirect request (*upstream*) with the socket, refusal and credentials
        settled by :meth:`check_redirect` and :meth:`finish_redirect`."""
        source, target, refusal = self.check_redirect(request, response)
        new = self.finish_redirect(upstream(request, response), source, target, refusal)
        authorization = request.headers.get("Authorization")
        if (
            authorization is not None
            and source != target
            and self.same_socket(source, target)
            and new.url.scheme == request.url.scheme
        ):  # httpx drops it as the host changes: a name and its socket's URL are one socket
            new.headers.setdefault("Authorization", authorization)
        return new

    def same_socket(self, source: SocketAddress | None, target: SocketAddress | None) -> bool:
        """Whether *source* and *target* (``None``: not a socket) are one socket, a registered
        name being the socket it names."""
        if source == target:
            return True
        names = self.names
        if names is None or source is None or target is None:
            return False
        return names.socket_of(source) == names.socket_of(target)

    def finish_redirect(
        self,
        new: httpx.Request,
        source: SocketAddress | None,
        target: SocketAddress | None,
        refusal: str | None,
    ) -> httpx.Request:
        extensions = {
            key: value
            for key, value in new.extensions.items()
            if key not in (UNIX_SOCKET_EXTENSION, _REFUSED)
        }
        if target is not None and new.url.scheme in SCHEMES:
            extensions[UNIX_SOCKET_EXTENSION] = target
        if refusal is not None:
            extensions[_REFUSED] = (
                f"{refusal}; pass allow_socket_redirects=True to the client to allow it"
            )
        new.extensions = extensions
        if not self.same_socket(source, target):  # the redirect leaves the socket (or enters one)
            for name in CREDENTIAL_HEADERS:
                new.headers.pop(name, None)
        return new


class _Cookies(httpx.Cookies):
    """httpx's cookie store, reading a response's cookies only when it sets some.

    The standard library's cookie jar builds a ``urllib.request.Request`` for every response, and
    parses its URL (12 µs a request, more for a URL it has not seen) just to find no
    ``Set-Cookie``; the jar is left as it would be.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class _UnixClient:
    """The properties both clients add or change (the state is their ``_unix`` routing)."""

    _unix: _UnixRouting
    if TYPE_CHECKING:  # httpx's, next in the clients' method resolution order
        _base_url: httpx.URL
        _cookies: httpx.Cookies

        def _enforce_trailing_slash(self, url: httpx.URL) -> httpx.URL: ...

    @property
    def allow_socket_redirects(self) -> bool:
        """Whether redirects into a socket from elsewhere, or to another socket, are followed."""
        return self._unix.allow_socket_redirects

    @allow_socket_redirects.setter
    def allow_socket_redirects(self, value: bool) -> None:
        self._unix.allow_socket_redirects = value

    @property
    def cookies(self) -> httpx.Cookies:
        """Cookie values to include with every request, as in httpx."""
        return self._cookies

    @cookies.setter
    def cookies(
        self, cookies: httpx.Cookies | CookieJar | dict[str, str] | list[tuple[str, str]]
    ) -> None:
        self._cookies = _Cookies(cookies)

    @property
    def base_url(self) -> httpx.URL:
        """The base URL (a UNIX one is re-encoded so its socket name survives lowercasing)."""
        return self._base_url

    @base_url.setter
    def base_url(self, url: httpx.URL | str) -> None:
        self._base_url = self._enforce_trailing_slash(httpx.URL(self._unix.set_base(url)))


class Client(_UnixClient, httpx.Client):
    """An :class:`httpx.Client` that also sends ``http+unix://`` and ``https+unix://`` URLs.

    Takes every :class:`httpx.Client` argument; ``verify``, ``cert``, ``trust_env``, ``http1``,
    ``http2`` and ``limits`` configure the UNIX transport as well. Ordinary URLs behave exactly as
    in httpx. *allow_socket_redirects* lets redirects into a socket from elsewhere, or to another
    socket, be followed (credentials are stripped all the same). *expected_peer_uid* goes to
    the UNIX transport: a socket served by another user raises :class:`SocketAccessDenied`
    before any byte of the request is sent (Linux only). *sockets* registers socket names
    (``{"docker": "unix:///var/run/docker.sock"}``: ``http+unix://docker/...``), whose values
    may also be connected sockets the client takes over, or connect callables (see
    :class:`UnixTransport`); redirects see a name as its socket.
    """

    def __init__(
        self,
        *,
        allow_socket_redirects: bool = False,
        expected_peer_uid: int | None = None,
        sockets: Mapping[str, SocketSource] | None = None,
        **kwargs: Any,
    ) -> None:
        transport = UnixTransport(
            expected_peer_uid=expected_peer_uid, sockets=sockets, **_transport_kwargs(kwargs)
        )
        routing = _UnixRouting(allow_socket_redirects, transport.sockets)
        super().__init__(**routing.client_options(kwargs, transport))
        self.cookies = self._cookies
        self._unix = routing
        self._unix_transport = transport

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        url, address = self._unix.prepare(url)
        return self._unix.attach(super().build_request(method, url, **kwargs), address)

    def _transport_for_url(self, url: httpx.URL) -> httpx.BaseTransport:
        if url.scheme in SCHEMES:
            return self._unix.transport_for(url, self._mounts, self._unix_transport)  # type: ignore[no-any-return]
        return super()._transport_for_url(url)

    def _redirect_url(self, request: httpx.Request, response: httpx.Response) -> httpx.URL:
        return self._unix.next_url(request, response, super()._redirect_url)

    def _build_redirect_request(
        self, request: httpx.Request, response: httpx.Response
    ) -> httpx.Request:
        return self._unix.next_request(request, response, super()._build_redirect_request)

    def _send_single_request(self, request: httpx.Request) -> httpx.Response:
        refusal = request.extensions.get(_REFUSED)
        if refusal is not None:
            raise RedirectRefused(refusal, request=request)
        return super()._send_single_request(request)


class AsyncClient(_UnixClient, httpx.AsyncClient):
    """An :class:`httpx.AsyncClient` that also sends ``http+unix://`` and ``https+unix://``
    URLs, on asyncio or trio; see :class:`Client`."""

    def __init__(
        self,
        *,
        allow_socket_redirects: bool = False,
        expected_peer_uid: int | None = None,
        sockets: Mapping[str, SocketSource] | None = None,
        **kwargs: Any,
    ) -> None:
        transport = AsyncUnixTransport(
            expected_peer_uid=expected_peer_uid, sockets=sockets, **_transport_kwargs(kwargs)
        )
        routing = _UnixRouting(allow_socket_redirects, transport.sockets)
        super().__init__(**routing.client_options(kwargs, transport))
        self.cookies = self._cookies
        self._unix = routing
        self._unix_transport = transport

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        url, address = self._unix.prepare(url)
        return self._unix.attach(super().build_request(method, url, **kwargs), address)

    def _transport_for_url(self, url: httpx.URL) -> httpx.AsyncBaseTransport:
        if url.scheme in SCHEMES:
            return self._unix.transport_for(url, self._mounts, self._unix_transport)  # type: ignore[no-any-return]
        return super()._transport_for_url(url)

    def _redirect_url(self, request: httpx.Request, response: httpx.Response) -> httpx.URL:
        return self._unix.next_url(request, response, super()._redirect_url)

    def _build_redirect_request(
        self, request: httpx.Request, response: httpx.Response
    ) -> httpx.Request:
        return self._unix.next_request(request, response, super()._build_redirect_request)

    async def _send_single_request(self, request: httpx.Request) -> httpx.Response:
        refusal = request.extensions.get(_REFUSED)
        if refusal is not None:
            raise RedirectRefused(refusal, request=request)
        return await super()._send_single_request(request)
