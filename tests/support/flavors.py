"""Every flavor behind one small synchronous interface, so one suite of faults runs on all.

``FLAVORS`` holds the urllib3 pool manager, the requests Session, and the httpx Client, plus
the httpx AsyncClient on asyncio and on trio (driven from the test's thread through an anyio
blocking portal). Each flavor names the exception family its library users catch for each
kind of failure; the suite asserts those.
"""

from __future__ import annotations

import contextlib
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

# Kinds of failure, and what each flavor raises for them.
CONNECT = "connect"
CONNECT_TIMEOUT = "connect timeout"
READ_TIMEOUT = "read timeout"
BROKEN = "broken response"  # cut short, empty, malformed, too large
REDIRECT = "redirect refused"


@dataclass
class Outcome:
    status: int
    headers: dict[str, str]
    body: bytes


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

    def stream(self, url: str) -> AbstractContextManager[Callable[[int], bytes]]:
        """A streamed GET: a function reading up to *n* body bytes."""
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
    def __init__(self, connect: float, read: float, **options: Any) -> None:
        options.setdefault("retries", NO_RETRIES)
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
        response = self.manager.request(method, url, body=body, headers=headers)
        return Outcome(response.status, _lower(response.headers), response.data)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Callable[[int], bytes]]:
        response = self.manager.request("GET", url, preload_content=False)
        try:
            yield response.read
        finally:
            response.release_conn()

    def close(self) -> None:
        self.manager.clear()


# -- requests --------------------------------------------------------------------------------
class RequestsClient:
    def __init__(
        self, connect: float, read: float, max_retries: Any = None, **options: Any
    ) -> None:
        self.session = requests_unixsocket.Session(**options)
        self.timeout = (connect, read)
        if max_retries is not None:
            adapter = requests_unixsocket.UnixAdapter(max_retries=max_retries)
            self.session.mount("http+unix://", adapter)

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Outcome:
        response = self.session.request(
            method, url, data=body, headers=headers, timeout=self.timeout
        )
        return Outcome(response.status_code, _lower(response.headers), response.content)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Callable[[int], bytes]]:
        with self.session.get(url, stream=True, timeout=self.timeout) as response:
            chunks = response.iter_content(1)
            yield lambda n: b"".join(next(chunks, b"") for _ in range(n))

    def close(self) -> None:
        self.session.close()


# -- httpx -----------------------------------------------------------------------------------
def _httpx_options(connect: float, read: float, options: dict[str, Any]) -> dict[str, Any]:
    timeout = httpx.Timeout(read, connect=connect)
    retries = options.pop("retries", None)
    return {"timeout": timeout, "retries": retries, "follow_redirects": True, **options}


class HttpxClient:
    def __init__(self, connect: float, read: float, **options: Any) -> None:
        settings = _httpx_options(connect, read, options)
        retries = settings.pop("retries")
        if retries is not None:
            settings["mounts"] = {"http+unix://": httpx_unixsocket.UnixTransport(retries=retries)}
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
        return Outcome(response.status_code, _lower(response.headers), response.content)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Callable[[int], bytes]]:
        with self.client.stream("GET", url) as response:
            chunks = response.iter_raw(1)
            yield lambda n: b"".join(next(chunks, b"") for _ in range(n))

    def close(self) -> None:
        self.client.close()


class AsyncHttpxClient:
    """The AsyncClient, run on an event loop in a portal thread (asyncio or trio)."""

    def __init__(self, backend: str, connect: float, read: float, **options: Any) -> None:
        self._portal_cm = start_blocking_portal(backend)
        self.portal: BlockingPortal = self._portal_cm.__enter__()
        settings = _httpx_options(connect, read, options)
        retries = settings.pop("retries")

        async def make() -> httpx_unixsocket.AsyncClient:
            if retries is not None:
                transport = httpx_unixsocket.AsyncUnixTransport(retries=retries)
                settings["mounts"] = {"http+unix://": transport}
            return httpx_unixsocket.AsyncClient(**settings)

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
            return Outcome(response.status_code, _lower(response.headers), response.content)

        return self.portal.call(run)

    @contextlib.contextmanager
    def stream(self, url: str) -> Iterator[Callable[[int], bytes]]:
        context = self.client.stream("GET", url)
        response = self.portal.call(context.__aenter__)
        chunks = response.aiter_raw(1)

        async def read(n: int) -> bytes:
            data = b""
            for _ in range(n):
                data += await chunks.__anext__()
            return data

        try:
            yield lambda n: self.portal.call(read, n)
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


_URLLIB3_BROKEN = (urllib3.exceptions.ProtocolError,)
_REQUESTS_BROKEN = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
_HTTPX_ERRORS: dict[str, tuple[type[BaseException], ...]] = {
    CONNECT: (httpx.ConnectError,),
    CONNECT_TIMEOUT: (httpx.ConnectTimeout,),
    READ_TIMEOUT: (httpx.ReadTimeout,),
    BROKEN: (httpx.RemoteProtocolError,),
    REDIRECT: (httpx_unixsocket.RedirectRefused,),
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
