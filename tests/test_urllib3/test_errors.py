"""Connect failures: urllib3's exceptions, the socket named, Retry honoured, nothing leaked."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
from typing import Any

import pytest
from urllib3.exceptions import MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from unixsocket_url import UnixConnectError, build_url
from urllib3_unixsocket import UnixHTTPConnectionPool, UnixPoolManager


class CountingRetry(Retry):
    """A Retry that counts how often urllib3 consulted it (one call per failed attempt)."""

    calls: list[str] = []  # noqa: RUF012 - shared by the copies Retry.increment makes

    def increment(self, *args: Any, **kwargs: Any) -> Retry:  # type: ignore[override]
        error = kwargs.get("error")
        self.calls.append(type(error).__name__)
        return super().increment(*args, **kwargs)


@pytest.fixture
def counting_retry() -> type[CountingRetry]:
    CountingRetry.calls = []
    return CountingRetry


def test_missing_socket_names_it_and_is_retried(
    sockdir: str, counting_retry: type[CountingRetry]
) -> None:
    path = os.path.join(sockdir, "missing.sock")
    with UnixPoolManager() as pm, pytest.raises(MaxRetryError) as info:
        pm.request("GET", build_url(path, "/x"), retries=counting_retry(connect=2, total=None))
    reason = info.value.reason
    assert isinstance(reason, NewConnectionError)
    assert f"cannot connect to UNIX socket '{path}'" in str(reason)
    assert "no such file or directory" in str(reason)
    assert isinstance(reason.__cause__, UnixConnectError)
    assert isinstance(reason.__cause__.__cause__, FileNotFoundError)
    assert counting_retry.calls == ["NewConnectionError"] * 3  # 1 try + 2 retries


def test_without_retries_the_connect_error_is_raised_as_is(sockdir: str) -> None:
    path = os.path.join(sockdir, "missing.sock")
    with UnixPoolManager() as pm, pytest.raises(NewConnectionError, match=r"missing\.sock"):
        pm.request("GET", build_url(path, "/x"), retries=False)


_PERMISSION_CHILD = """
import json, sys
from urllib3.util.retry import Retry
from urllib3_unixsocket import SocketAccessDenied, UnixPoolManager
from unixsocket_url import UnixConnectError, build_url

calls = []
class Counting(Retry):
    def increment(self, *args, **kwargs):
        calls.append(type(kwargs.get("error")).__name__)
        return super().increment(*args, **kwargs)

with UnixPoolManager() as pm:
    try:
        pm.request("GET", build_url(sys.argv[1], "/"), retries=Counting(connect=2, total=None))
    except SocketAccessDenied as exc:
        cause = exc.__cause__
        print(json.dumps({"reason": str(exc), "calls": calls, "address": exc.address,
                          "errno": cause.errno if isinstance(cause, UnixConnectError) else None}))
"""


def test_permission_denied_is_not_retried(sockdir: str) -> None:
    path = os.path.join(sockdir, "private.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(1)
        os.chmod(path, 0)
        command = [sys.executable, "-c", _PERMISSION_CHILD, path]
        if os.geteuid() == 0:  # root ignores file modes: drop every capability in the child
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
            command = [setpriv, "--bounding-set=-all", "--inh-caps=-all", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(done.stdout)
    assert result["reason"].startswith(f"cannot connect to UNIX socket '{path}': permission denied")
    assert (result["address"], result["errno"]) == (path, errno.EACCES)
    # SocketAccessDenied is none of the errors urllib3 retries: raised at once, not wrapped in
    # MaxRetryError, with Retry(connect=2) never consulted.
    assert result["calls"] == []


def test_pool_str_names_the_socket(sockdir: str) -> None:
    path = os.path.join(sockdir, "named.sock")
    with UnixHTTPConnectionPool(path) as pool:
        assert str(pool) == f"UnixHTTPConnectionPool(socket='{path}')"
        with pytest.raises(MaxRetryError) as info:
            pool.urlopen("GET", "/", retries=Retry(0))
    assert str(info.value).startswith(f"UnixHTTPConnectionPool(socket='{path}')")
