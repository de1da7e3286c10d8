"""The async client and transport on asyncio and trio (anyio's pytest plugin runs both)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from support.httpx_flavor import AsyncClient, AsyncUnixTransport, httpx

from unixsocket_testutils import UnixSocketServerThread
from unixsocket_testutils.pytest_plugin import UnixServerFactory

pytestmark = pytest.mark.anyio


async def test_concurrent_requests_open_two_connections(
    unix_server: UnixSocketServerThread,
) -> None:
    results: list[int] = []
    async with AsyncClient() as client:

        async def fetch(path: str) -> None:
            async with client.stream("GET", unix_server.url_for(path)) as response:
                await started.wait()  # both responses are open at once
                results.append(len(await response.aread()))

        started = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(fetch, "/one")
            group.start_soon(fetch, "/two")
            while len(unix_server.requests) < 2:
                await anyio.sleep(0.005)
            started.set()
        await client.get(unix_server.url_for("/three"))
    assert results == [12, 12]
    assert sorted(r.target for r in unix_server.requests) == ["/one", "/three", "/two"]
    assert unix_server.accepted_connections == 2


async def test_async_iterator_upload_and_aiter_bytes(unix_server: UnixSocketServerThread) -> None:
    async def body() -> AsyncIterator[bytes]:
        for part in (b"one ", b"two ", b"three"):
            yield part

    async with AsyncClient() as client:
        await client.put(unix_server.url_for("/up"), content=body())
        async with client.stream("GET", unix_server.url_for("/down")) as response:
            chunks = [chunk async for chunk in response.aiter_bytes()]
    assert unix_server.requests[0].body == b"one two three"
    assert b"".join(chunks) == b"Hello world!"


async def test_bare_mount_and_single_socket(unix_server: UnixSocketServerThread) -> None:
    async with httpx.AsyncClient(mounts={"http+unix://": AsyncUnixTransport()}) as client:
        assert (await client.get(unix_server.url_for("/mounted"))).status_code == 200
    transport = AsyncUnixTransport(socket=unix_server.address)
    async with httpx.AsyncClient(transport=transport, base_url="http://docker") as client:
        assert (await client.get("/version")).status_code == 200
    assert [(r.target, r.header("host")) for r in unix_server.requests] == [
        ("/mounted", "localhost"),
        ("/version", "docker"),
    ]


async def test_connect_error_names_the_socket(sockdir: str) -> None:
    url = f"http+unix://{sockdir.replace('/', '%2F')}%2Fmissing.sock/x"
    async with AsyncClient() as client:
        with pytest.raises(httpx.ConnectError) as info:
            await client.get(url)
    assert f"{sockdir}/missing.sock" in str(info.value)
    assert "no such file" in str(info.value)
    assert info.value.request.url.path == "/x"


async def test_cancellation_closes_cleanly(unix_server_factory: UnixServerFactory) -> None:
    import threading

    release = threading.Event()

    def slow_app(environ, start_response):  # type: ignore[no-untyped-def]
        release.wait(10)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = unix_server_factory(slow_app)
    async with AsyncClient() as client:
        with anyio.move_on_after(0.2) as scope:
            await client.get(server.url_for("/slow"))
        assert scope.cancelled_caught
        release.set()
        response = await client.get(server.url_for("/after"))
        assert response.text == "ok"
    server.stop()  # waits for the thread still answering the abandoned /slow, which records it
    assert sorted(r.target for r in server.requests) == ["/after", "/slow"]
