"""The transport adapter: requests' HTTPAdapter on urllib3-unixsocket's pool manager."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter
from requests.exceptions import ConnectTimeout, InvalidURL
from urllib3.exceptions import EmptyPoolError, LocationValueError

import unixsocket_url
import urllib3_unixsocket
from urllib3_unixsocket import UnixPoolManager

from ._errors import SocketAccessDenied
from ._urls import next_url, parse, unix_url

if TYPE_CHECKING:
    from collections.abc import Mapping

    from requests import PreparedRequest, Response
    from urllib3.connectionpool import HTTPConnectionPool

    from unixsocket_url import SocketNames, SocketSource

PROXY_ERROR = "UnixAdapter does not support specifying proxies"


class UnixAdapter(HTTPAdapter):
    """requests' :class:`~requests.adapters.HTTPAdapter` for ``http+unix://`` URLs.

    One keep-alive pool per socket (up to *pool_connections* sockets, each keeping up to
    ``pool_maxsize`` connections, 10 by default), whatever the paths and query strings.
    ``max_retries`` and ``pool_block`` work as in ``HTTPAdapter``. *timeout* (seconds, or a
    ``(connect, read)`` tuple) applies to requests that give none. ``https+unix://`` URLs speak
    TLS over the socket with requests' ``verify`` and ``cert``; the certificate is checked
    against ``localhost``. Plain ``http(s)://`` URLs sent through it work as with
    ``HTTPAdapter``.

    A proxy given for a UNIX-socket scheme (``proxies={"http+unix": ...}``) raises
    ``ValueError``; other proxies (``http``, ``all``, the environment's) never apply to sockets.

    *expected_peer_uid* refuses a socket served by another user before any byte of the request
    is sent (Linux only), and permission denied is not retried: both raise
    :class:`SocketAccessDenied`.

    *sockets* names sockets for ``http+unix://<name>/path`` URLs: a socket spec
    (``"unix:///var/run/docker.sock"``), a connected socket the adapter takes over, or a connect
    callable per name (see :class:`urllib3_unixsocket.UnixPoolManager`). A held socket is one
    connection: concurrent requests wait for it up to the connect timeout, then raise
    ``requests.ConnectTimeout``; once it is closed, the next request raises
    ``requests.ConnectionError`` saying it cannot be re-made. ``close()`` closes held sockets.
    """

    __attrs__ = [*HTTPAdapter.__attrs__, "timeout", "expected_peer_uid", "_socket_sources"]  # noqa: RUF012

    def __init__(
        self,
        timeout: Any = 60,
        pool_connections: int = 25,
        *args: Any,
        expected_peer_uid: int | None = None,
        sockets: Mapping[str, SocketSource] | None = None,
        **kwargs: Any,
    ) -> None:
        self.timeout = timeout
        self.expected_peer_uid = expected_peer_uid
        self._socket_sources = dict(sockets or {})
        super().__init__(pool_connections, *args, **kwargs)

    @property
    def sockets(self) -> SocketNames:
        """The registered socket names (a :class:`unixsocket_url.SocketNames`)."""
        manager: UnixPoolManager = self.poolmanager
        return manager.sockets

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK, **pool_kwargs: Any
    ) -> None:
        """Make the :class:`~urllib3_unixsocket.UnixPoolManager` every request goes through."""
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = UnixPoolManager(
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            expected_peer_uid=self.expected_peer_uid,
            sockets=self._socket_sources,
            **pool_kwargs,
        )

    def get_connection(self, url: str | bytes, proxies: Mapping[str, str] | None = None) -> Any:
        """The pool for *url* (requests < 2.32.2 asks this); its socket's pool for a UNIX URL."""
        text = url.decode() if isinstance(url, bytes) else url
        unix = unix_url(text)
        if unix is None:
            return super().get_connection(url, proxies)
        check_proxies(text, proxies)
        return self._pool(unix, {})

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: str | tuple[str, str] | None = None,
    ) -> Any:
        """The pool for *request* with its TLS settings (requests >= 2.32.2 asks this)."""
        unix = unix_url(request.url or "")
        if unix is None:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        check_proxies(request.url or "", proxies)
        return self._pool(unix, _tls_settings(unix, verify, cert))

    def request_url(self, request: PreparedRequest, proxies: Mapping[str, str] | None) -> str:
        """The request target sent on the socket: path and query (HTTPie's plugin uses it)."""
        unix = unix_url(request.url or "")
        if unix is None:
            return super().request_url(request, proxies)
        return parse(unix).target

    def send(  # noqa: PLR0917 - HTTPAdapter.send's signature
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Send *request*; the adapter's ``timeout`` applies when *timeout* is ``None``."""
        unix = unix_url(request.url or "")
        if unix is None:
            return super().send(request, stream, timeout, verify, cert, proxies)
        try:
            unixsocket_url.parse_url(unix)
        except unixsocket_url.InvalidURL as exc:
            raise InvalidURL(str(exc), request=request) from exc
        check_proxies(request.url or "", proxies)
        try:
            return super().send(
                request, stream, self.timeout if timeout is None else timeout, verify, cert, {}
            )
        except urllib3_unixsocket.SocketAccessDenied as exc:
            raise SocketAccessDenied(str(exc), request=request) from exc
        except EmptyPoolError as exc:  # a held socket busy past the connect timeout
            raise ConnectTimeout(exc, request=request) from exc

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        """requests' response; a redirect's relative ``Location`` is made absolute on the socket.

        The standard library's ``urljoin``, which requests resolves ``Location`` with, does not
        know that ``http+unix`` URLs have a host: ``/next`` would stay ``/next`` and fail. So
        the adapter resolves it (``unixsocket_url.join_url``) and every session it is mounted
        on follows same-socket redirects; ``response.raw.headers`` keeps what the server sent.
        """
        response = super().build_response(req, resp)
        unix = unix_url(response.url)
        if unix is not None and response.is_redirect:
            location = response.headers["Location"]
            joined = next_url(response.url, location, unix)
            if joined != location:
                response.headers["Location"] = joined
        return response

    def _pool(self, url: str, tls: dict[str, Any]) -> HTTPConnectionPool:
        manager: UnixPoolManager = self.poolmanager
        try:
            # no TLS settings (http+unix): the manager's default pool, its key computed once
            return manager.connection_from_url(url, tls or None)
        except LocationValueError as exc:
            raise InvalidURL(str(exc)) from exc


def check_proxies(url: str, proxies: Mapping[str, str] | None) -> None:
    """Raise ``ValueError`` when *proxies* names a proxy for this UNIX-socket URL's scheme.

    Keys ``<scheme>`` and ``<scheme>://<socket>`` count (any case); ``http``, ``all`` and the
    environment's proxies are about TCP origins and are ignored for sockets.
    """
    if not proxies:
        return
    scheme, host, _ = unixsocket_url.split_url(url)
    own = {scheme.lower(), f"{scheme}://{host}".lower()}
    if any(value and key.lower() in own for key, value in proxies.items()):
        raise ValueError(PROXY_ERROR)


def _tls_settings(url: str, verify: bool | str | None, cert: Any) -> dict[str, Any]:
    """urllib3 TLS pool settings for requests' *verify* and *cert* (only for https+unix)."""
    if not url.lower().startswith("https+unix:"):
        return {}
    settings: dict[str, Any] = {"cert_reqs": "CERT_NONE" if verify is False else "CERT_REQUIRED"}
    if isinstance(verify, str):
        settings["ca_cert_dir" if os.path.isdir(verify) else "ca_certs"] = verify
    if cert is not None:
        if isinstance(cert, tuple) and len(cert) == 2:
            settings["cert_file"], settings["key_file"] = cert
        else:
            settings["cert_file"] = cert
    return settings
