"""Write and pool timeouts, proxies, malformed URLs (connect errors, the full backlog, read
timeouts and broken responses are in tests/test_faults, for every flavor)."""

from __future__ import annotations

import pytest
from support.httpx_flavor import AsyncClient, AsyncUnixTransport, Client, UnixTransport, httpx

from unixsocket_testutils import Connection, UnixSocketServerThread
from unixsocket_testutils.pytest_plugin import ScriptedServerFactory


def never_reads(conn: Connection) -> None:
    conn.wait()


def test_write_timeout(scripted_server_factory: ScriptedServerFactory) -> None:
    server = scripted_server_factory(behaviour=never_reads)
    with Client(timeout=httpx.Timeout(5, write=0.2)) as client, pytest.raises(httpx.WriteTimeout):
        client.post(server.url_for("/up"), content=b"x" * (32 << 20))


@pytest.mark.anyio
async def test_async_write_timeout(scripted_server_factory: ScriptedServerFactory) -> None:
    server = scripted_server_factory(behaviour=never_reads)
    async with AsyncClient(timeout=httpx.Timeout(5, write=0.2)) as client:
        with pytest.raises(httpx.WriteTimeout):
            await client.post(server.url_for("/up"), content=b"x" * (32 << 20))


def test_pool_timeout(unix_server: UnixSocketServerThread) -> None:
    limits = httpx.Limits(max_connections=1)
    with Client(limits=limits, timeout=httpx.Timeout(5, pool=0.2)) as client:
        with client.stream("GET", unix_server.url_for("/held")) as held:
            with pytest.raises(httpx.PoolTimeout):
                client.get(unix_server.url_for("/waiting"))
            held.read()  # read to the end: the connection goes back to the pool
        assert client.get(unix_server.url_for("/after")).status_code == 200
    assert [r.target for r in unix_server.requests] == ["/held", "/after"]
    assert unix_server.accepted_connections == 1


@pytest.mark.parametrize(
    "headers",
    [{"X-Note": "a\r\nX-Injected: 1"}, {"X-Note": "a\nb"}, {"X-Note": "a\x00b"}, {"X y": "1"}],
    ids=["CRLF in a value", "LF in a value", "NUL in a value", "space in a name"],
)
def test_a_field_that_would_change_the_request_is_refused(
    unix_server: UnixSocketServerThread, headers: dict[str, str]
) -> None:
    """h11 refuses these; the HTTP/1.1 engine too, before a byte is sent."""
    with Client() as client:
        with pytest.raises(httpx.LocalProtocolError, match="Illegal"):
            client.get(unix_server.url_for("/x"), headers=headers)
        assert client.get(unix_server.url_for("/ok")).status_code == 200
    assert [r.target for r in unix_server.requests] == ["/ok"]


@pytest.mark.anyio
async def test_async_pool_timeout(unix_server: UnixSocketServerThread) -> None:
    limits = httpx.Limits(max_connections=1)
    async with AsyncClient(limits=limits, timeout=httpx.Timeout(5, pool=0.2)) as client:
        async with client.stream("GET", unix_server.url_for("/held")) as held:
            with pytest.raises(httpx.PoolTimeout, match="UNIX socket"):
                await client.get(unix_server.url_for("/waiting"))
            await held.aread()
        assert (await client.get(unix_server.url_for("/after"))).status_code == 200
    assert [r.target for r in unix_server.requests] == ["/held", "/after"]
    assert unix_server.accepted_connections == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http+unix:///run/app.sock/info", "names no socket"),
        ("http+unix://%2Ftmp%2Fx%00y/", "NUL byte"),
        ("http+unix://user@%2Ftmp%2Fx.sock/", "userinfo"),
        ("http+unix://%2Ftmp%2Fx.sock:80/", "no port"),
        ("http+unix://%zz/", "two hex digits"),
    ],
)
def test_malformed_urls_are_invalid_url_before_connecting(url: str, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - never reached
        raise AssertionError("no request may be sent")

    with (
        Client(mounts={"all://": httpx.MockTransport(handler)}) as client,
        pytest.raises(httpx.InvalidURL, match=message),
    ):
        client.get(url)
    transport = UnixTransport()
    request = httpx.Request("GET", "http+unix://%2Ftmp%2Fx%00y/")
    with pytest.raises(httpx.InvalidURL, match="NUL byte"):
        transport.handle_request(request)


def test_explicit_proxy_for_sockets_is_an_error() -> None:
    for transport_class in (UnixTransport, AsyncUnixTransport):
        with pytest.raises(ValueError, match="a proxy cannot reach a UNIX socket"):
            transport_class(proxy="http://proxy.example:3128")  # type: ignore[arg-type]


def test_proxy_environment_never_applies(
    unix_server: UnixSocketServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxied: list[str] = []

    def proxy(request: httpx.Request) -> httpx.Response:
        proxied.append(str(request.url))
        return httpx.Response(200, text="proxied")

    for name in ("ALL_PROXY", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    with Client() as client:
        # what httpx mounted for the environment proxies: they must not capture UNIX URLs
        assert any(pattern.pattern == "all://" for pattern in client._mounts)
        assert client.get(unix_server.url_for("/env")).text == "Hello world!"
    with Client(
        proxy="http://127.0.0.1:9", mounts={"all://": httpx.MockTransport(proxy)}
    ) as client:
        assert client.get(unix_server.url_for("/explicit")).text == "Hello world!"
        assert client.get("http://example.com/").text == "proxied"
    assert proxied == ["http://example.com/"]
    assert [r.target for r in unix_server.requests] == ["/env", "/explicit"]
    assert all("http://" not in r.target for r in unix_server.requests)
