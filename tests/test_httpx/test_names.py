"""Socket names: case kept through the clients, bare mounts that refuse to guess (and check the
file system once per socket), abstract names, spaces/plus/percent/non-ASCII, paths over 107
bytes."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from support.httpx_flavor import (
    PACKAGE,
    AsyncClient,
    AsyncUnixTransport,
    Client,
    UnixTransport,
    httpx,
)

from unixsocket_testutils import UnixSocketServerThread
from unixsocket_testutils.pytest_plugin import UnixServerFactory
from unixsocket_url import build_url


def hand_written(path: str, target: str = "/") -> str:
    """A URL as people write it: the path percent-encoded, letters' case as it is."""
    return f"http+unix://{quote(path, safe='')}{target}"


@pytest.fixture
def twins(sockdir: str, unix_server_factory: UnixServerFactory) -> tuple[str, str]:
    """Two sockets whose names differ only in case: App.sock and app.sock."""
    upper, lower = os.path.join(sockdir, "App.sock"), os.path.join(sockdir, "app.sock")
    unix_server_factory(path=upper)
    unix_server_factory(path=lower)
    return upper, lower


def test_client_keeps_the_case(twins: tuple[str, str]) -> None:
    upper, lower = twins
    with Client() as client:
        for path in (upper, lower):
            for url in (hand_written(path, "/x"), build_url(path, "/x")):
                assert client.get(url).headers["x-socket-path"] == path
        with Client(base_url=hand_written(upper, "/api")) as based:
            response = based.get("/v1")
            assert response.headers["x-socket-path"] == upper
            assert response.headers["x-requested-path"] == "/api/v1"
            based.base_url = hand_written(lower)
            assert based.get("/v2").headers["x-socket-path"] == lower


@pytest.mark.anyio
async def test_async_client_keeps_the_case(twins: tuple[str, str]) -> None:
    upper, lower = twins
    async with AsyncClient() as client:
        assert (await client.get(hand_written(upper))).headers["x-socket-path"] == upper
        assert (await client.get(hand_written(lower))).headers["x-socket-path"] == lower


def test_bare_mount_refuses_an_ambiguous_name(twins: tuple[str, str]) -> None:
    upper, _ = twins
    with (
        httpx.Client(mounts={"http+unix://": UnixTransport()}) as client,
        pytest.raises(httpx.InvalidURL, match="ambiguous") as info,
    ):
        client.get(hand_written(upper))
    message = str(info.value)
    assert f"{PACKAGE}.Client" in message
    assert "App.sock" in message
    assert "app.sock" in message


_listed: list[bytes] = []
_listing = threading.local()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "os.listdir" and getattr(_listing, "on", False):
        _listed.append(os.fsencode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def listdirs() -> Iterator[list[bytes]]:
    """The directories this thread lists (``os.listdir``, CPython's audit event) meanwhile."""
    _listed.clear()
    _listing.on = True
    yield _listed
    _listing.on = False


def test_bare_mount_lists_directories_once_per_socket(
    sockdir: str, unix_server_factory: UnixServerFactory, listdirs: list[bytes]
) -> None:
    path = os.path.join(sockdir, "sub", "s.sock")
    os.mkdir(os.path.dirname(path))
    server = unix_server_factory(path=path)
    with httpx.Client(mounts={"http+unix://": UnixTransport()}) as client:
        client.get(hand_written(path, "/1"))
        first = len(listdirs)
        assert first == path.count("/")  # each directory on the path, once: all have letters
        for n in range(2, 6):
            client.get(hand_written(path, f"/{n}"))
    assert len(listdirs) == first
    assert len(server.requests) == 5


def test_a_twin_appearing_later_is_seen_by_a_new_transport(
    sockdir: str, unix_server_factory: UnixServerFactory
) -> None:
    lower = os.path.join(sockdir, "app.sock")
    unix_server_factory(path=lower)
    with httpx.Client(mounts={"http+unix://": UnixTransport()}) as client:
        assert client.get(hand_written(lower)).headers["x-socket-path"] == lower
        unix_server_factory(path=os.path.join(sockdir, "App.sock"))
        # decided: this transport goes on sending the name to the socket it checked
        assert client.get(hand_written(lower)).headers["x-socket-path"] == lower
    with (
        httpx.Client(mounts={"http+unix://": UnixTransport()}) as fresh,
        pytest.raises(httpx.InvalidURL, match="differing only in letter case") as info,
    ):
        fresh.get(hand_written(lower))
    assert "build_url" not in str(info.value)  # it cannot help: app.sock has no upper case


def test_a_name_that_cannot_be_checked_is_refused_with_advice_that_fits(sockdir: str) -> None:
    loop = os.path.join(sockdir, "loop")
    os.symlink(loop, loop)  # listing it fails (ELOOP), whoever runs the test
    path = os.path.join(loop, "s.sock")
    with (
        httpx.Client(mounts={"http+unix://": UnixTransport()}) as client,
        pytest.raises(httpx.InvalidURL, match="cannot be checked") as info,
    ):
        client.get(build_url(path))  # built as advised: the lowercase letters stay bare
    message = str(info.value)
    assert f"{PACKAGE}.Client" in message
    assert "socket=" in message
    assert "build_url" not in message


def test_bare_mount_refuses_a_name_whose_case_was_lost(
    sockdir: str, unix_server_factory: UnixServerFactory
) -> None:
    path = os.path.join(sockdir, "Only.sock")
    server = unix_server_factory(path=path)
    with httpx.Client(mounts={"http+unix://": UnixTransport()}) as client:
        with pytest.raises(httpx.InvalidURL, match=r"Only\.sock"):
            client.get(hand_written(path))
        # build_url escapes the upper-case letter: nothing else could have been meant
        assert client.get(build_url(path, "/ok")).headers["x-socket-path"] == path
    assert [r.target for r in server.requests] == ["/ok"]


@pytest.mark.anyio
async def test_async_bare_mount_refuses_an_ambiguous_name(twins: tuple[str, str]) -> None:
    upper, _ = twins
    async with httpx.AsyncClient(mounts={"http+unix://": AsyncUnixTransport()}) as client:
        with pytest.raises(httpx.InvalidURL, match="ambiguous"):
            await client.get(hand_written(upper))


def test_bare_mount_lowercase_name_without_twins(unix_server: UnixSocketServerThread) -> None:
    with httpx.Client(mounts={"http+unix://": UnixTransport()}) as client:
        assert client.get(hand_written(unix_server.usock, "/p")).status_code == 200
    assert [r.target for r in unix_server.requests] == ["/p"]


def test_abstract_names(unix_server_factory: UnixServerFactory) -> None:
    mixed = unix_server_factory(abstract="hx-Abstract-Name")
    lower = unix_server_factory(abstract="hx-abstract-name")
    with Client() as client:
        assert client.get("http+unix://%00hx-Abstract-Name/a").status_code == 200
        assert client.get("http+unix://\0hx-Abstract-Name/b").status_code == 200
        assert client.get("http+unix://%00hx-abstract-name/c").status_code == 200
    assert [r.target for r in mixed.requests] == ["/a", "/b"]
    assert [r.target for r in lower.requests] == ["/c"]
    with (
        httpx.Client(mounts={"http+unix://": UnixTransport()}) as bare,
        pytest.raises(httpx.InvalidURL, match="ambiguous"),
    ):
        bare.get("http+unix://%00hx-Abstract-Name/")


def test_abstract_name_through_a_bare_mount(abstract_unix_server: UnixSocketServerThread) -> None:
    with httpx.Client(mounts={"http+unix://": UnixTransport()}) as client:
        response = client.get(abstract_unix_server.url_for("/bare"))
    assert response.headers["x-socket-path"].startswith("@unixsocket-testutils-")
    assert [r.target for r in abstract_unix_server.requests] == ["/bare"]


@pytest.mark.parametrize("name", ["a b.sock", "a+b.sock", "100%.sock", "naïve-日本.sock"])
def test_names_with_spaces_plus_percent_non_ascii(
    sockdir: str, unix_server_factory: UnixServerFactory, name: str
) -> None:
    path = os.path.join(sockdir, name)
    server = unix_server_factory(path=path)
    with Client() as client:
        assert client.get(build_url(path, "/q", query={"k": "v w"})).status_code == 200
        assert client.get(hand_written(path, "/h")).status_code == 200
    assert [r.target for r in server.requests] == ["/q?k=v%20w", "/h"]
    assert server.accepted_connections == 1


def test_path_longer_than_107_bytes(sockdir: str) -> None:
    directory = os.path.join(sockdir, *["d" * 40] * 3)
    os.makedirs(directory)
    path = os.path.join(directory, "Long.sock")
    assert len(path.encode()) > 107
    fd = os.open(directory, os.O_PATH | os.O_DIRECTORY)
    try:  # the server binds through the directory fd; the client gets the long path
        with UnixSocketServerThread(path=f"/proc/self/fd/{fd}/Long.sock") as server:
            with Client() as client:
                assert client.get(build_url(path, "/1")).status_code == 200
                assert client.get(hand_written(path, "/2")).status_code == 200
            assert os.path.exists(path)
    finally:
        os.close(fd)
    assert [r.target for r in server.requests] == ["/1", "/2"]
    assert server.accepted_connections == 1


def test_nul_inside_a_path_is_rejected_before_connecting(
    unix_server: UnixSocketServerThread,
) -> None:
    url = f"http+unix://{quote(unix_server.usock, safe='')}%00junk/"
    with Client() as client, pytest.raises(httpx.InvalidURL, match="NUL byte"):
        client.get(url)
    with (
        httpx.Client(mounts={"http+unix://": UnixTransport()}) as bare,
        pytest.raises(httpx.InvalidURL, match="NUL byte"),
    ):
        bare.get(url)
    assert unix_server.accepted_connections == 0
