"""Permission denied is final: every flavor raises its SocketAccessDenied after one connect()."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest
from support.httpx_flavor import renamed

# Run in a child without the privilege to ignore file modes. It counts its connect() calls to
# the socket (CPython's audit event) and urllib3's Retry.increment calls, with 3 retries asked.
CHILD = r"""
import json, sys
import anyio, httpx, requests, urllib3
from urllib3.util.retry import Retry
import httpx_unixsocket, requests_unixsocket, urllib3_unixsocket
from unixsocket_url import build_url

flavor, path = sys.argv[1], sys.argv[2]
url = build_url(path, "/")
connects, increments = [], []
sys.addaudithook(
    lambda event, args: event == "socket.connect" and args[1] == path and connects.append(1)
)

class Counting(Retry):
    def increment(self, *args, **kwargs):
        increments.append(1)
        return super().increment(*args, **kwargs)

async def send_async():
    transport = httpx_unixsocket.AsyncUnixTransport(retries=3)
    async with httpx_unixsocket.AsyncClient(mounts={"http+unix://": transport}) as client:
        await client.post(url, content=b"token")

try:
    if flavor == "urllib3":
        with urllib3_unixsocket.UnixPoolManager() as pm:
            pm.request("POST", url, body=b"token", retries=Counting(connect=3))
    elif flavor == "requests":
        with requests.Session() as session:
            adapter = requests_unixsocket.UnixAdapter(max_retries=Counting(connect=3))
            session.mount("http+unix://", adapter)
            session.post(url, data=b"token")
    elif flavor == "httpx":
        transport = httpx_unixsocket.UnixTransport(retries=3)
        with httpx_unixsocket.Client(mounts={"http+unix://": transport}) as client:
            client.post(url, content=b"token")
    else:
        anyio.run(send_async, backend=flavor.partition("-")[2])
except Exception as exc:
    bases = {"urllib3": urllib3.exceptions.HTTPError, "requests": requests.ConnectionError}
    base = bases.get(flavor, httpx.ConnectError)
    print(json.dumps({
        "error": f"{type(exc).__module__.partition('.')[0]}.{type(exc).__name__}",
        "is_base": isinstance(exc, base),
        "message": str(exc),
        "connects": len(connects),
        "increments": len(increments),
    }))
"""

EXPECTED = {
    "urllib3": "urllib3_unixsocket.SocketAccessDenied",
    "requests": "requests_unixsocket.SocketAccessDenied",
    "httpx": "httpx_unixsocket.SocketAccessDenied",
    "httpx-asyncio": "httpx_unixsocket.SocketAccessDenied",
    "httpx-trio": "httpx_unixsocket.SocketAccessDenied",
}


@pytest.fixture(scope="module")
def forbidden() -> Iterator[str]:
    """A listening socket whose file mode lets nobody connect (mode 0)."""
    directory = tempfile.mkdtemp(prefix="peer-", dir="/tmp")
    os.chmod(directory, 0o755)
    path = os.path.join(directory, "private.sock")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(path)
            listener.listen(16)
            os.chmod(path, 0)
            yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def unprivileged(command: list[str]) -> list[str]:
    """*command* without the capabilities that let root ignore file modes."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all", *command]


@pytest.mark.parametrize("flavor", sorted(EXPECTED))
def test_permission_denied_is_not_retried(forbidden: str, flavor: str) -> None:
    # the httpx flavors run on the library under test (support.httpx_flavor)
    command = unprivileged([sys.executable, "-c", renamed(CHILD), renamed(flavor), forbidden])
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(done.stdout)
    assert result["error"] == renamed(EXPECTED[flavor])
    assert result["is_base"]
    assert result["message"].startswith(
        f"cannot connect to UNIX socket '{forbidden}': permission denied"
    )
    assert result["connects"] == 1  # with 3 retries asked for
    assert result["increments"] == 0  # urllib3's Retry never saw it
