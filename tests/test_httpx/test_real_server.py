"""Against a real server started by the tests: uvicorn --uds, and flat memory for big bodies."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from support.httpx_flavor import AsyncClient, Client, httpx

from unixsocket_url import build_url

MIB = 1 << 20
BIG = 128  # MiB moved each way; buffering it would show in RSS


def rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")  # pragma: no cover


def chunks() -> Iterator[bytes]:
    block = b"u" * MIB
    for _ in range(BIG):
        yield block


async def achunks() -> AsyncIterator[bytes]:
    block = b"u" * MIB
    for _ in range(BIG):
        yield block


def test_uvicorn_many_paths_one_connection(uvicorn_socket: str) -> None:
    assert "Uvicorn.sock" in uvicorn_socket  # mixed case: the client must keep it
    url = "http+unix://" + uvicorn_socket.replace("/", "%2F")
    with Client() as client:
        for path in ("/echo", "/a/b?c=d", "/x%20y"):
            data = client.get(url + path).json()
            assert data["method"] == "GET"
            headers = dict(data["headers"])
            assert headers["host"] == "localhost"
        posted = client.post(url + "/count", content=b'{"k":"v"}').json()
        redirected = client.get(
            url + "/redirect", params={"to": "/landed?via=redirect"}, follow_redirects=True
        )
        stream = redirected.extensions["network_stream"]
        peer = stream.get_extra_info("server_addr")
    assert posted["length"] == len(b'{"k":"v"}')
    assert redirected.json()["path"] == "/landed"
    assert redirected.json()["query"] == "via=redirect"
    assert peer == uvicorn_socket
    assert len(redirected.history) == 1


@pytest.mark.anyio
async def test_uvicorn_async(uvicorn_socket: str) -> None:
    async with AsyncClient(base_url=build_url(uvicorn_socket)) as client:
        first = (await client.get("/first")).json()
        second = (await client.put("/second", content=b"12345")).json()
    assert (first["path"], second["path"], second["length"]) == ("/first", "/second", 5)


def test_big_download_and_uploads_in_flat_memory(uvicorn_socket: str, tmp_path: Path) -> None:
    upload = tmp_path / "upload.bin"
    with upload.open("wb") as handle:
        for block in chunks():
            handle.write(block[: MIB // 2])  # 64 MiB file
    base = rss()
    with Client(base_url=build_url(uvicorn_socket), timeout=60) as client:
        received = 0
        with client.stream("GET", "/stream", params={"mib": BIG}) as response:
            for chunk in response.iter_bytes():
                received += len(chunk)
        assert received == BIG * MIB
        assert client.post("/count", content=chunks()).json()["length"] == BIG * MIB
        with upload.open("rb") as handle:
            assert client.post("/count", content=handle).json()["length"] == BIG * MIB // 2
    growth = rss() - base
    assert growth < 48 * MIB, f"RSS grew by {growth / MIB:.1f} MiB"


@pytest.mark.anyio
async def test_async_big_download_and_upload_in_flat_memory(uvicorn_socket: str) -> None:
    base = rss()
    async with AsyncClient(base_url=build_url(uvicorn_socket), timeout=60) as client:
        received = 0
        async with client.stream("GET", "/stream", params={"mib": BIG}) as response:
            async for chunk in response.aiter_bytes():
                received += len(chunk)
        assert received == BIG * MIB
        response = await client.post("/count", content=achunks())
        assert response.json()["length"] == BIG * MIB
    growth = rss() - base
    assert growth < 48 * MIB, f"RSS grew by {growth / MIB:.1f} MiB"


def test_uvicorn_gone_is_a_connect_error(uvicorn_socket: str) -> None:
    missing = os.path.join(os.path.dirname(uvicorn_socket), "Gone.sock")
    with Client() as client, pytest.raises(httpx.ConnectError, match=r"Gone\.sock"):
        client.get(build_url(missing))
