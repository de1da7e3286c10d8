"""Every flavor behind one small synchronous interface, so one test runs on all of them.

``FLAVORS`` holds the urllib3 pool manager, the requests Session, and the httpx Client, plus
the httpx AsyncClient on asyncio and on trio (driven from the test's thread through an anyio
blocking portal). Each flavor names the exception family its library users catch for each
kind of failure; the suites assert those.

``Flavor.client()`` takes the options every flavor has, in one spelling that each client class
turns into its library's: *verify* (a CA file, or ``False``) and *cert* (the client's
certificate and key files) for TLS, *max_connections* (the pool's size per socket),
*follow_redirects*; *allow_socket_redirects* and *expected_peer_uid* pass through as they are.
"""

from __future__ import annotations

import contextlib
import ssl
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import requests
import urllib3
from anyio.from_thread import BlockingPortal, start_blocking_portal
from urllib3.exceptions import MaxRetryError

import requests_unixsocket
import urllib3_unixsocket
from support.httpx_flavor import httpx, httpx_unixsocket
from unixsocket_url import PeerCredentials

# Kinds of failure, and what each flavor raises for them.
CONNECT = "connect"
CONNECT_TIMEOUT = "connect timeout"
READ_TIMEOUT = "read timeout"
BROKEN = "broken response"  # cut short, empty, malformed, too large
REDIRECT = "redirect refused"
DENIED = "access denied"  # permission denied, or served by an unexpected user
CERTIFICATE = "certificate refused"


@dataclass
class Outcome:
    status: int
    headers: dict[str, str]
    body: bytes
    peer: PeerCredentials | None
    """The flavor's ``peer_credentials(response)``."""


@dataclass
class Stream:
    """A streamed response: call it to read up to *n* body bytes."""

    read: Callable[[int], bytes]
    peer: PeerCredentials | None

    def __call__(self, n: int) -> bytes:
        return self.read(n)


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class Client(Protocol):
    """One flavor's client: ``request()`` returns an :class:`Outcome` or raises."""

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Outcome: ...

    def stream(self, url: str) -> AbstractContextManager[Stream]:
        """A streamed GET."""
        ...

    def close(self) -> None: ...


@dataclass
class Flavor:
    name: str
    errors: dict[str, tuple[type[BaseException], ...]]
    make: Callable[..., Client]
    retry_kw: Callable[[int], dict[str, Any]]
    """The client options for *n* connect retries."""

    def __str__(self) -> str:
        return self.name

    @contextlib.contextmanager
    def client(self, connect: float = 5, read: float = 5, **options: Any) -> Iterator[Client]:
        client = self.make(connect=connect, read=read, **options)
        try:
            yield client
        finally:
            client.close()

    @contextlib.contextmanager
    def raises(self, kind: str) -> Iterator[Raised]:
        """Expect this flavor's exception for *kind* (urllib3's inside ``MaxRetryError``)."""
        raised = Raised()
        try:
            yield raised
        except Exception as exc:
            error = exc.reason if isinstance(exc, MaxRetryError) and exc.reason else exc
            if not isinstance(error, self.errors[kind]):
                raise AssertionError(f"{self.name}: {kind}: unexpected {error!r}") from exc
            raised.error, raised.message = error, str(error)
        else:
            raise AssertionError(f"{self.name}: {kind}: nothing raised")


@dataclass
class Raised:
    error: BaseException | None = None
    message: str = ""


# -- urllib3 ---------------------------------------------------------------------------------
NO_RETRIES = urllib3.Retry(total=None, connect=0, read=False, redirect=10, status=0, other=0)
"""Like requests' default: nothing retried, redirects followed."""


class Urllib3Client:
    def __init__(
        self,
        connect: float,
        read: float,
        *,
        verify: str | bool | None = None,
        cert: tuple[str, str] | None = None,
        max_connections: int | None = None,
        follow_redirects: bool = True,
        **options: Any,
    ) -> None:
        options.setdefault("retries", NO_RETRIES)
        if verify is not None:
            options["cert_reqs"] = "CERT_REQUIRED" if verify else "CERT_NONE"
        if isinstance(verify, str):
            options["ca_certs"] = verify
        if cert is not None:
            options["cert_file"], options["key_file"] = cert
        if max_connections is not None:
            options["maxsize"] = max_connections
        self.redirect = follow_redirects
        self.manager = urllib3_unixsocket.UnixPoolManager(
            timeout=urllib3.Timeout(connect=connect, read=read), **options
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Outcome:
        response = self.manager.request(
            method, url, body=body, headers=headers, redirect=self.redirect
        )
        peer = urllib3_unixsocket.peer_credentials(response)
        return Outcome(response.status, _lower(response.headers), response.data, peer)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Stream]:
        response = self.manager.request("GET", url, preload_content=False)
        try:
            yield Stream(response.read, urllib3_unixsocket.peer_credentials(response))
        finally:
            response.release_conn()

    def close(self) -> None:
        self.manager.clear()


def _given(**options: Any) -> dict[str, Any]:
    """The *options* that are not ``None``."""
    return {name: value for name, value in options.items() if value is not None}


# -- requests --------------------------------------------------------------------------------
class RequestsClient:
    def __init__(
        self,
        connect: float,
        read: float,
        *,
        max_retries: Any = None,
        verify: str | bool | None = None,
        cert: tuple[str, str] | None = None,
        max_connections: int | None = None,
        follow_redirects: bool = True,
        expected_peer_uid: int | None = None,
        **options: Any,
    ) -> None:
        self.session = requests_unixsocket.Session(expected_peer_uid=expected_peer_uid, **options)
        self.timeout = (connect, read)
        self.follow = follow_redirects
        self.tls = _given(verify=verify, cert=cert)  # with each request, as users give them
        adapter_options = _given(max_retries=max_retries, pool_maxsize=max_connections)
        if adapter_options:
            adapter = requests_unixsocket.UnixAdapter(
                expected_peer_uid=expected_peer_uid, **adapter_options
            )
            self.session.mount("http+unix://", adapter)
            self.session.mount("https+unix://", adapter)

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Outcome:
        response = self.session.request(
            method,
            url,
            data=body,
            headers=headers,
            timeout=self.timeout,
            allow_redirects=self.follow,
            **self.tls,
        )
        peer = requests_unixsocket.peer_credentials(response)
        return Outcome(response.status_code, _lower(response.headers), response.content, peer)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Stream]:
        with self.session.get(url, stream=True, timeout=self.timeout) as response:
            chunks = response.iter_content(1)
            peer = requests_unixsocket.peer_credentials(response)
            yield Stream(lambda n: b"".join(next(chunks, b"") for _ in range(n)), peer)

    def close(self) -> None:
        self.session.close()


# -- httpx -----------------------------------------------------------------------------------
def _httpx_options(
    connect: float,
    read: float,
    *,
    verify: str | bool | None = None,
    cert: tuple[str, str] | None = None,
    max_connections: int | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The client's options; ``retries`` is left in them for the transport the caller mounts."""
    options = {"timeout": httpx.Timeout(read, connect=connect), "follow_redirects": True, **options}
    if isinstance(verify, str) or cert is not None:
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if cert is not None:
            context.load_cert_chain(*cert)
        options["verify"] = context
    elif verify is False:
        options["verify"] = False
    if max_connections is not None:
        options["limits"] = httpx.Limits(max_connections=max_connections)
    return options


def _retrying(settings: dict[str, Any], transport: Callable[..., Any]) -> dict[str, Any]:
    """*settings* with ``retries``, if given, set on a UNIX transport mounted for both schemes
    (with the client's options that configure its transport)."""
    retries = settings.pop("retries", None)
    if retries is not None:
        names = ("expected_peer_uid", "verify", "limits")
        mounted = transport(retries=retries, **{n: settings[n] for n in names if n in settings})
        settings["mounts"] = {"http+unix://": mounted, "https+unix://": mounted}
    return settings


class HttpxClient:
    def __init__(self, connect: float, read: float, **options: Any) -> None:
        settings = _httpx_options(connect, read, **options)
        settings = _retrying(settings, httpx_unixsocket.UnixTransport)
        self.client = httpx_unixsocket.Client(**settings)

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Outcome:
        response = self.client.request(method, url, content=body, headers=headers)
        return _httpx_outcome(response)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Stream]:
        with self.client.stream("GET", url) as response:
            chunks = response.iter_raw(1)
            peer = httpx_unixsocket.peer_credentials(response)
            yield Stream(lambda n: b"".join(next(chunks, b"") for _ in range(n)), peer)

    def close(self) -> None:
        self.client.close()


class AsyncHttpxClient:
    """The AsyncClient, run on an event loop in a portal thread (asyncio or trio)."""

    def __init__(self, backend: str, connect: float, read: float, **options: Any) -> None:
        self._portal_cm = start_blocking_portal(backend)
        self.portal: BlockingPortal = self._portal_cm.__enter__()
        settings = _httpx_options(connect, read, **options)

        async def make() -> httpx_unixsocket.AsyncClient:
            transported = _retrying(settings, httpx_unixsocket.AsyncUnixTransport)
            return httpx_unixsocket.AsyncClient(**transported)

        self.client = self.portal.call(make)
        self._unfinished: list[Any] = []

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Outcome:
        async def run() -> Outcome:
            response = await self.client.request(method, url, content=body, headers=headers)
            return _httpx_outcome(response)

        return self.portal.call(run)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Stream]:
        context = self.client.stream("GET", url)
        response = self.portal.call(context.__aenter__)
        chunks = response.aiter_raw(1)

        async def read(n: int) -> bytes:
            data = b""
            for _ in range(n):
                data += await chunks.__anext__()
            return data

        peer = httpx_unixsocket.peer_credentials(response)
        try:
            yield Stream(lambda n: self.portal.call(read, n), peer)
        finally:
            self.portal.call(context.__aexit__, None, None, None)
            # Closing the iterator would leave httpx's inner async generators to the garbage
            # collector mid-run, which trio reports; at the end of the run it closes them.
            self._unfinished.append(chunks)

    def close(self) -> None:
        try:
            self.portal.call(self.client.aclose)
        finally:
            self._portal_cm.__exit__(*sys.exc_info())


def _httpx_outcome(response: httpx.Response) -> Outcome:
    peer = httpx_unixsocket.peer_credentials(response)
    return Outcome(response.status_code, _lower(response.headers), response.content, peer)


_URLLIB3_BROKEN = (urllib3.exceptions.ProtocolError,)
_REQUESTS_BROKEN = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
_HTTPX_ERRORS: dict[str, tuple[type[BaseException], ...]] = {
    CONNECT: (httpx.ConnectError,),
    CONNECT_TIMEOUT: (httpx.ConnectTimeout,),
    READ_TIMEOUT: (httpx.ReadTimeout,),
    BROKEN: (httpx.RemoteProtocolError,),
    REDIRECT: (httpx_unixsocket.RedirectRefused,),
    DENIED: (httpx_unixsocket.SocketAccessDenied,),
    CERTIFICATE: (httpx.ConnectError,),
}

FLAVORS = [
    Flavor(
        "urllib3",
        {
            CONNECT: (urllib3.exceptions.NewConnectionError,),
            CONNECT_TIMEOUT: (urllib3.exceptions.ConnectTimeoutError,),
            READ_TIMEOUT: (urllib3.exceptions.ReadTimeoutError,),
            BROKEN: _URLLIB3_BROKEN,
            REDIRECT: (urllib3_unixsocket.RedirectRefused,),
            DENIED: (urllib3_unixsocket.SocketAccessDenied,),
            CERTIFICATE: (urllib3.exceptions.SSLError,),
        },
        Urllib3Client,
        lambda n: {"retries": urllib3.Retry(total=None, connect=n, read=False, other=0)},
    ),
    Flavor(
        "requests",
        {
            CONNECT: (requests.ConnectionError,),
            CONNECT_TIMEOUT: (requests.ConnectTimeout,),
            READ_TIMEOUT: (requests.ReadTimeout,),
            BROKEN: _REQUESTS_BROKEN,
            REDIRECT: (requests_unixsocket.RedirectRefused,),
            DENIED: (requests_unixsocket.SocketAccessDenied,),
            CERTIFICATE: (requests.exceptions.SSLError,),
        },
        RequestsClient,
        lambda n: {"max_retries": urllib3.Retry(connect=n, read=False, redirect=0)},
    ),
    Flavor("httpx", _HTTPX_ERRORS, HttpxClient, lambda n: {"retries": n}),
    Flavor(
        "httpx-asyncio",
        _HTTPX_ERRORS,
        lambda **kw: AsyncHttpxClient("asyncio", **kw),
        lambda n: {"retries": n},
    ),
    Flavor(
        "httpx-trio",
        _HTTPX_ERRORS,
        lambda **kw: AsyncHttpxClient("trio", **kw),
        lambda n: {"retries": n},
    ),
]
