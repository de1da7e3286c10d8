"""HTTP/2 over UNIX sockets against a real HTTP/2 server (hypercorn): TLS with ALPN, and h2c."""

from __future__ import annotations

import os
import ssl
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
import trustme
from support.httpx_flavor import AsyncClient, Client, httpx

from unixsocket_testutils import server_process
from unixsocket_url import build_url

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _serve(directory: str, *tls: str) -> Iterator[str]:
    """hypercorn serving asgi_app:app (beside this file) on ``<directory>/h2.sock``."""
    path = os.path.join(directory, "h2.sock")
    command = [sys.executable, "-m", "hypercorn", "asgi_app:app", "--bind", f"unix:{path}", *tls]
    with server_process(command, path, cwd=HERE):
        yield path


@pytest.fixture(scope="module")
def tls_socket(ca: trustme.CA) -> Iterator[str]:
    """hypercorn with a certificate for ``localhost``: HTTP/2 chosen by ALPN."""
    with tempfile.TemporaryDirectory(prefix="h2-", dir="/tmp") as directory:
        cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
        issued = ca.issue_cert("localhost")
        issued.cert_chain_pems[0].write_to_path(cert)
        issued.private_key_pem.write_to_path(key)
        yield from _serve(directory, "--certfile", cert, "--keyfile", key)


@pytest.fixture(scope="module")
def cleartext_socket() -> Iterator[str]:
    """hypercorn without TLS: HTTP/2 with prior knowledge (h2c)."""
    with tempfile.TemporaryDirectory(prefix="h2c-", dir="/tmp") as directory:
        yield from _serve(directory)


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_unix_negotiates_http2_and_reuses_the_connection(
    tls_socket: str, ca: trustme.CA
) -> None:
    with Client(http2=True, verify=_trusting(ca)) as client:
        responses = [
            client.get(build_url(tls_socket, f"/echo/{i}", scheme="https+unix")) for i in range(5)
        ]
    assert {r.http_version for r in responses} == {"HTTP/2"}
    assert [r.json()["path"] for r in responses] == [f"/echo/{i}" for i in range(5)]
    assert len({id(r.extensions["network_stream"]) for r in responses}) == 1


def test_a_client_without_http2_stays_on_http11(tls_socket: str, ca: trustme.CA) -> None:
    with Client(verify=_trusting(ca)) as client:
        response = client.get(build_url(tls_socket, "/echo", scheme="https+unix"))
    assert response.http_version == "HTTP/1.1"


@pytest.mark.anyio
async def test_concurrent_requests_multiplex_on_one_connection(
    tls_socket: str, ca: trustme.CA
) -> None:
    urls = [build_url(tls_socket, f"/echo/{i}", scheme="https+unix") for i in range(20)]
    responses: list[httpx.Response] = []
    async with AsyncClient(http2=True, verify=_trusting(ca)) as client:
        responses.append(await client.get(urls[0]))  # the connection, then 19 streams on it

        async def fetch(url: str) -> None:
            responses.append(await client.get(url))

        async with anyio.create_task_group() as group:
            for url in urls[1:]:
                group.start_soon(fetch, url)
    assert {r.http_version for r in responses} == {"HTTP/2"}
    assert sorted(r.json()["path"] for r in responses) == sorted(f"/echo/{i}" for i in range(20))
    assert len({id(r.extensions["network_stream"]) for r in responses}) == 1


def test_h2c_with_prior_knowledge(cleartext_socket: str) -> None:
    with Client(http1=False, http2=True) as client:
        response = client.get(build_url(cleartext_socket, "/echo", query={"q": "1"}))
    assert response.http_version == "HTTP/2"
    assert response.json()["query"] == "q=1"
