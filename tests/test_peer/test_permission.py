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
from pathlib import Path

import pytest
from support.flavors import FLAVORS, Flavor

TESTS = Path(__file__).resolve().parents[1]

# Run in a child without the privilege to ignore file modes, through the flavor harness (the
# httpx flavors on the library under test, as in this process). It counts its connect() calls
# to the socket (CPython's audit event) and urllib3's Retry.increment calls, with 3 retries asked.
CHILD = r"""
import json, sys
from urllib3.util.retry import Retry
from support.flavors import DENIED, FLAVORS
from unixsocket_url import build_url

name, path = sys.argv[1], sys.argv[2]
(flavor,) = [flavor for flavor in FLAVORS if flavor.name == name]
connects, increments = [], []
sys.addaudithook(
    lambda event, args: event == "socket.connect" and args[1] == path and connects.append(1)
)
increment = Retry.increment

def counting(self, *args, **kwargs):
    increments.append(1)
    return increment(self, *args, **kwargs)

Retry.increment = counting
with flavor.client(**flavor.retry_kw(3)) as client, flavor.raises(DENIED) as raised:
    try:
        client.request("POST", build_url(path, "/"), body=b"token")
    except Exception as exc:
        outermost = type(exc)
        raise
print(json.dumps({
    "error": outermost is type(raised.error),
    "message": raised.message,
    "connects": len(connects),
    "increments": len(increments),
}))
"""


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


@pytest.mark.parametrize("flavor", FLAVORS, ids=str)
def test_permission_denied_is_not_retried(forbidden: str, flavor: Flavor) -> None:
    command = unprivileged([sys.executable, "-c", CHILD, flavor.name, forbidden])
    environment = {**os.environ, "PYTHONPATH": str(TESTS)}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=True, env=environment
    )
    result = json.loads(done.stdout)
    assert result["error"]  # the flavor's SocketAccessDenied itself, not wrapped
    assert result["message"].startswith(
        f"cannot connect to UNIX socket '{forbidden}': permission denied"
    )
    assert result["connects"] == 1  # with 3 retries asked for
    assert result["increments"] == 0  # urllib3's Retry never saw it
