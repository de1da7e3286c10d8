"""Cookies on the httpx clients: httpx's store, read only from responses that set cookies."""

from __future__ import annotations

import http.cookiejar
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from support.httpx_flavor import AsyncClient, Client, httpx

from unixsocket_testutils import UnixSocketServerThread

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def cookie_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """``/set`` sets ``seen=yes``; every answer echoes the request's Cookie header."""
    headers = [("Content-Type", "text/plain")]
    if environ["PATH_INFO"] == "/set":
        headers.append(("Set-Cookie", "seen=yes; Path=/"))
    start_response("200 OK", headers)
    return [environ.get("HTTP_COOKIE", "").encode()]


@pytest.fixture(scope="module")
def server() -> Iterator[UnixSocketServerThread]:
    with UnixSocketServerThread(app=cookie_app) as server:
        yield server


@pytest.fixture
def jar_reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each response the standard library's cookie jar is asked to read."""
    reads: list[Any] = []
    original = http.cookiejar.CookieJar.extract_cookies

    def counting(self: http.cookiejar.CookieJar, response: Any, request: Any) -> None:
        reads.append(response)
        original(self, response, request)

    monkeypatch.setattr(http.cookiejar.CookieJar, "extract_cookies", counting)
    return reads


def test_a_set_cookie_is_kept_and_sent_back(
    server: UnixSocketServerThread, jar_reads: list[Any]
) -> None:
    with Client() as client:
        assert client.get(server.url_for("/plain")).text == ""
        assert jar_reads == []  # no Set-Cookie: the jar is not asked
        client.get(server.url_for("/set"))
        assert len(jar_reads) == 1
        assert client.cookies["seen"] == "yes"
        assert client.get(server.url_for("/plain")).text == "seen=yes"


def test_cookies_given_or_assigned_are_sent(
    server: UnixSocketServerThread, jar_reads: list[Any]
) -> None:
    with Client(cookies={"a": "1"}) as client:
        assert client.get(server.url_for("/")).text == "a=1"
        client.cookies = {"b": "2"}
        assert isinstance(client.cookies, httpx.Cookies)
        assert client.get(server.url_for("/")).text == "b=2"
        client.get(server.url_for("/set"))
        assert client.get(server.url_for("/")).text in ("b=2; seen=yes", "seen=yes; b=2")
    assert len(jar_reads) == 1


@pytest.mark.anyio
async def test_the_async_client_keeps_cookies_too(
    server: UnixSocketServerThread, jar_reads: list[Any]
) -> None:
    async with AsyncClient() as client:
        await client.get(server.url_for("/plain"))
        assert jar_reads == []
        await client.get(server.url_for("/set"))
        assert (await client.get(server.url_for("/"))).text == "seen=yes"
    assert len(jar_reads) == 1
