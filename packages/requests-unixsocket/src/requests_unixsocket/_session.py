"""requests' Session with the UNIX-socket adapter mounted and a safe redirect policy."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import requests
from requests import sessions
from requests.auth import AuthBase

import unixsocket_url

from ._errors import RedirectRefused
from ._urls import DEFAULT_SCHEME, canonical_url, next_url, prepared_form, scheme_of

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping

    from requests import PreparedRequest, Request, Response

    from unixsocket_url import SocketNames, SocketSource

    from ._adapter import UnixAdapter

_merge: Any = sessions.merge_setting  # untyped in requests' stubs


class _NoCredentials(AuthBase):
    """What ``Session.request`` gives a UNIX-socket request without ``auth``: nothing, in place
    of requests' ``~/.netrc`` lookup (two ``stat`` calls per request, and a ``default`` entry
    would hand its password to any local socket)."""

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        return r


NO_CREDENTIALS = _NoCredentials()


class Session(requests.Session):
    """A :class:`requests.Session` that also speaks ``http+unix://`` and ``https+unix://``.

    A :class:`UnixAdapter` is mounted for *url_scheme* (``http+unix://`` by default) and for
    ``https+unix://``. For UNIX-socket URLs the environment is never consulted (no proxy
    variables, no ``REQUESTS_CA_BUNDLE``, no proxy-bypass or DNS lookups); an explicit
    proxy for a UNIX scheme raises ``ValueError``; ``~/.netrc`` is not read for them either.

    Redirects on the same socket are followed (relative ``Location`` headers included); a
    redirect from another origin into a socket, or to a different socket, raises
    :class:`RedirectRefused` unless *allow_socket_redirects* is true. ``Authorization``,
    ``Cookie`` and ``Proxy-Authorization`` never follow a redirect off the socket.

    *expected_peer_uid* goes to the adapter: a socket served by another user raises
    :class:`SocketAccessDenied` before any byte of the request is sent (Linux only).

    *sockets* names sockets, so ``session.get("http+unix://docker/v1.45/info")`` reaches the
    socket registered as ``docker``: a socket spec (``"unix:///var/run/docker.sock"``), a
    connected socket the session takes over, or a connect callable per name (see
    :class:`UnixAdapter`). Only the UNIX-socket schemes reach names; ``http://docker/`` stays
    a TCP host. Redirects see a name as the socket it names. ``close()`` closes held sockets.
    """

    def __init__(
        self,
        url_scheme: str = DEFAULT_SCHEME,
        *args: Any,
        allow_socket_redirects: bool = False,
        expected_peer_uid: int | None = None,
        sockets: Mapping[str, SocketSource] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.url_scheme = url_scheme
        self.allow_socket_redirects = allow_socket_redirects
        """Follow redirects into a socket from other origins, and between sockets."""
        self.unix_schemes = frozenset({"http+unix", "https+unix", scheme_of(url_scheme)})
        adapter = _adapter_class()(expected_peer_uid=expected_peer_uid, sockets=sockets)
        self.mount(url_scheme, adapter)
        self.mount("https+unix://", adapter)
        if scheme_of(url_scheme) != "http+unix":
            self.mount("http+unix://", adapter)

    def _unix(self, url: str | None) -> str | None:
        return None if url is None else canonical_url(url, self.unix_schemes)

    def _names(self, unix: str | None) -> SocketNames | None:
        """The socket names of the adapter mounted for the UNIX-socket URL *unix*."""
        if unix is None:
            return None
        names = getattr(self.get_adapter(unix), "sockets", None)
        return names if isinstance(names, unixsocket_url.SocketNames) else None

    # -- building requests -------------------------------------------------------------------
    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Response:
        """:meth:`requests.Session.request`; a malformed UNIX-socket URL raises ``InvalidURL``."""
        if isinstance(url, str):
            url = prepared_form(url, self.unix_schemes)
            auth_given = len(args) > 5 or kwargs.get("auth") is not None  # (auth: 6th after url)
            if not auth_given and self.auth is None and self._unix(url) is not None:
                kwargs["auth"] = NO_CREDENTIALS
        return super().request(method, url, *args, **kwargs)

    def prepare_request(self, request: Request) -> PreparedRequest:
        """:meth:`requests.Session.prepare_request`, with UNIX-socket URLs checked first."""
        if isinstance(request.url, str) and self._unix(request.url) is not None:
            url = prepared_form(request.url, self.unix_schemes)
            if url != request.url:  # copied only to leave the caller's Request as it was
                request = copy.copy(request)
                request.url = url
        return super().prepare_request(request)

    def merge_environment_settings(
        self,
        url: str | bytes | None,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> Any:
        """requests' merge, except that for a UNIX-socket URL the environment is not read."""
        if not isinstance(url, str) or self._unix(url) is None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {
            "proxies": _merge(proxies, self.proxies),
            "stream": _merge(stream, self.stream),
            "verify": _merge(verify, self.verify),
            "cert": _merge(cert, self.cert),
        }

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """:meth:`requests.Session.send`; without ``proxies``, a UNIX URL gets no env proxies."""
        if "proxies" not in kwargs and self._unix(request.url) is not None:
            kwargs["proxies"] = dict(self.proxies)
        return super().send(request, **kwargs)

    # -- redirects ---------------------------------------------------------------------------
    def get_redirect_target(self, resp: Response) -> str | None:
        """The redirect's URL as :func:`unixsocket_url.join_url` resolves it when it leads to a
        socket (a socket scheme however written is seen as one, so that the policy in
        :meth:`rebuild_auth` decides on what would be requested); requests' own rules otherwise.
        (The adapter has already made a relative ``Location`` on a socket absolute.)"""
        location = super().get_redirect_target(resp)
        if location is None:
            return None
        joined = next_url(resp.url, location, self._unix(resp.url))
        return location if self._unix(joined) is None else joined

    def resolve_redirects(
        self, resp: Response, req: PreparedRequest, *args: Any, **kwargs: Any
    ) -> Generator[Any, None, None]:
        """requests' redirect loop; a refused redirect raises (or, when only the next request
        is wanted as with ``allow_redirects=False``, ends the loop: ``response.next`` is None).
        """
        redirects = super().resolve_redirects(resp, req, *args, **kwargs)
        if not kwargs.get("yield_requests", False):
            yield from redirects
            return
        try:
            yield from redirects
        except RedirectRefused:
            return

    def rebuild_proxies(self, prepared_request: PreparedRequest, proxies: Any) -> Any:
        """No environment proxies for a redirect to a socket; only explicit ones are kept."""
        if self._unix(prepared_request.url) is None:
            return super().rebuild_proxies(prepared_request, proxies)  # type: ignore[no-untyped-call]
        prepared_request.headers.pop("Proxy-Authorization", None)
        return dict(proxies or {})

    def rebuild_auth(self, prepared_request: PreparedRequest, response: Response) -> None:
        """Refuse redirects into a socket from elsewhere; strip credentials leaving a socket."""
        source, target = response.url, prepared_request.url or ""
        unix_source, unix_target = self._unix(source), self._unix(target)
        if unix_source is None and unix_target is None:
            super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]
            return
        names = self._names(unix_target or unix_source)
        refusal = None
        if unix_target is not None and not self.allow_socket_redirects:
            refusal = unixsocket_url.redirect_refusal(unix_source or source, unix_target, names)
        if refusal is not None:
            raise RedirectRefused(
                refusal, location=target, request=prepared_request, response=response
            )
        if not unixsocket_url.same_socket(unix_source or source, unix_target or target, names):
            for name in unixsocket_url.CREDENTIAL_HEADERS:
                prepared_request.headers.pop(name, None)
        if unix_target is None:  # off the socket: requests' own rules (.netrc) for the new host
            super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]


def _adapter_class() -> type[UnixAdapter]:
    """``requests_unixsocket.UnixAdapter`` as the package holds it now: tests written for
    requests-unixsocket replace that name (``mock.patch``) to change what ``Session`` mounts."""
    import requests_unixsocket

    adapter: type[UnixAdapter] = requests_unixsocket.UnixAdapter
    return adapter
