"""Connecting: every way a socket can be unreachable, the full backlog, connect retries, leaks."""

from __future__ import annotations

import gc
import threading
import time

import pytest
from support.descriptors import open_files, opened_since
from support.flavor_fixtures import ConnectLog
from support.flavors import CONNECT, CONNECT_TIMEOUT, Flavor

from unixsocket_testutils import ScriptedServer, UnixSocketServerThread
from unixsocket_testutils.faults import BAD_SOCKETS, bad_socket
from unixsocket_url import build_url

REASONS = {
    "missing": "no such file or directory",
    "missing-parent": "no such file or directory",
    "regular-file": "is a regular file, not a socket",
    "directory": "is a directory, not a socket",
    "stale": "stale socket file",
    "datagram": "wrong socket type",
}


@pytest.mark.parametrize("kind", BAD_SOCKETS)
def test_unreachable_socket_is_a_connect_error_naming_it(
    flavor: Flavor, kind: str, sockdir: str, unix_server: UnixSocketServerThread
) -> None:
    with bad_socket(kind, sockdir) as path, flavor.client() as client:
        with flavor.raises(CONNECT) as raised:
            client.request("GET", build_url(path, "/x"))
        assert f"cannot connect to UNIX socket '{path}'" in raised.message
        assert REASONS[kind] in raised.message
        # the same client goes on working with a good socket
        assert client.request("GET", unix_server.url_for("/next")).body == b"Hello world!"
    assert unix_server.accepted_connections == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connect_retries_make_four_attempts(
    flavor: Flavor, method: str, sockdir: str, connects: ConnectLog
) -> None:
    with (
        bad_socket("stale", sockdir) as path,
        flavor.client(**flavor.retry_kw(3)) as client,
        flavor.raises(CONNECT),
    ):
        client.request(method, build_url(path, "/"), body=b"x" if method == "POST" else None)
    assert connects.to(path) == 4


def test_no_retries_by_default(flavor: Flavor, sockdir: str, connects: ConnectLog) -> None:
    with (
        bad_socket("missing", sockdir) as path,
        flavor.client() as client,
        flavor.raises(CONNECT),
    ):
        client.request("GET", build_url(path, "/"))
    assert connects.to(path) == 1


def test_full_backlog_times_out_without_busy_waiting(flavor: Flavor) -> None:
    with ScriptedServer(backlog=0, accepting=False) as server:
        server.fill_backlog()
        with flavor.client(connect=0.5) as client:
            cpu, wall = time.process_time(), time.monotonic()
            with flavor.raises(CONNECT_TIMEOUT) as raised:
                client.request("GET", server.url_for("/"))
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        message = raised.message
        assert f"cannot connect to UNIX socket '{server.describe()}'" in message
        assert "listen backlog stayed full" in message
        assert 0.5 <= wall < 0.5 + 0.3
        assert cpu < 0.1 * 0.5, f"{cpu:.3f} s of CPU in {wall:.3f} s"
        server.start_accepting()
        with flavor.client() as client:
            assert client.request("GET", server.url_for("/then")).status == 200


def test_full_backlog_then_accepted_after_200_ms(flavor: Flavor) -> None:
    with ScriptedServer(backlog=0, accepting=False) as server:
        fillers = server.fill_backlog()
        timer = threading.Timer(0.2, server.start_accepting)
        started = time.monotonic()
        timer.start()
        try:
            with flavor.client(connect=5) as client:
                outcome = client.request("GET", server.url_for("/late"))
                waited = time.monotonic() - started
        finally:
            timer.join()
        assert outcome.body == b"GET /late"
        assert 0.2 <= waited < 2
        assert server.accepted_connections == fillers + 1


def test_a_thousand_failed_connects_leave_no_descriptor(flavor: Flavor, sockdir: str) -> None:
    with bad_socket("stale", sockdir) as path, flavor.client() as client:
        url = build_url(path, "/")
        with flavor.raises(CONNECT):  # warm up: imports, pools, the event loop
            client.request("GET", url)
        gc.collect()
        before = open_files()
        for _ in range(1000):
            with flavor.raises(CONNECT):
                client.request("GET", url)
        gc.collect()
        assert not opened_since(before)
