"""Pooled connections: closed by the server, dying under a request, per socket, unlinked, fork."""

from __future__ import annotations

import os
import warnings

import pytest
from support.flavors import BROKEN, CONNECT, Flavor

from unixsocket_testutils import Reply, ScriptedServer, echo, faults, serving
from unixsocket_url import build_url


def test_idle_connection_closed_by_the_server_is_replaced(flavor: Flavor) -> None:
    with ScriptedServer(behaviour=faults.close_when_idle(1)) as server, flavor.client() as client:
        assert client.request("GET", server.url_for("/1")).body == faults.BODY
        server.wait_until(lambda s: s.closed_connections == 1)
        assert client.request("GET", server.url_for("/2")).body == faults.BODY
        assert server.accepted_connections == 2


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_keep_alive_race_is_retried_once_for_idempotent_methods(
    flavor: Flavor, method: str
) -> None:
    """The server reads the second request on a reused connection, then closes it unanswered."""
    with ScriptedServer(behaviour=faults.close_after_reading(1)) as server:
        with flavor.client() as client:
            assert client.request(method, server.url_for("/1"), body=b"one").status == 200
            assert client.request(method, server.url_for("/2"), body=b"two").status == 200
        assert server.accepted_connections == 2
        assert [r.target for r in server.requests] == ["/1", "/2", "/2"]


def test_keep_alive_race_is_not_retried_for_post(flavor: Flavor) -> None:
    with ScriptedServer(behaviour=faults.close_after_reading(1)) as server:
        with flavor.client() as client:
            assert client.request("POST", server.url_for("/1"), body=b"one").status == 200
            with flavor.raises(BROKEN):
                client.request("POST", server.url_for("/2"), body=b"two")
            assert client.request("GET", server.url_for("/3")).status == 200
        assert [r.target for r in server.requests] == ["/1", "/2", "/3"]  # /2 sent once
        assert server.accepted_connections == 2


def tagged(tag: bytes) -> Reply:
    return Reply(body=tag)


def test_different_sockets_never_share_a_connection(flavor: Flavor) -> None:
    with (
        ScriptedServer(lambda request: Reply(body=b"first")) as first,
        ScriptedServer(lambda request: Reply(body=b"second")) as second,
        flavor.client() as client,
    ):
        for number in range(5):
            assert client.request("GET", first.url_for(f"/{number}")).body == b"first"
            assert client.request("GET", second.url_for(f"/{number}")).body == b"second"
        assert first.accepted_connections == second.accepted_connections == 1
        assert len(first.requests) == len(second.requests) == 5


def test_socket_unlinked_while_connections_are_pooled(flavor: Flavor) -> None:
    with ScriptedServer(echo) as server, flavor.client() as client:
        assert client.request("GET", server.url_for("/before")).status == 200
        os.unlink(server.address)
        # the pooled connection still reaches the server that is listening
        assert client.request("GET", server.url_for("/pooled")).body == b"GET /pooled"
        # a second connection cannot be made: the name is gone
        with client.stream(server.url_for("/held")) as read:
            assert read(3) == b"GET"
            with flavor.raises(CONNECT) as raised:
                client.request("GET", server.url_for("/new"))
        assert f"'{server.describe()}': no such file or directory" in raised.message
        assert server.accepted_connections == 1


def test_closing_a_streamed_response_early(flavor: Flavor) -> None:
    big = Reply(body=b"z" * (8 << 20))
    with ScriptedServer(lambda request: big) as server, flavor.client() as client:
        with client.stream(server.url_for("/big")) as read:
            assert read(10) == b"z" * 10
        # the half-read connection is never handed to the next request
        assert client.request("GET", server.url_for("/big")).body == big.body
        assert server.accepted_connections == 2


SYNC = ("urllib3", "requests", "httpx")


def test_fork_child_opens_its_own_connection(flavor: Flavor) -> None:
    """Parent and child make 20 requests each at the same time; no response crosses over."""
    if flavor.name not in SYNC:
        pytest.skip("an event loop does not survive fork(); async clients are made after it")
    with ScriptedServer(behaviour=serving(echo)) as server, flavor.client() as client:
        assert client.request("GET", server.url_for("/parent-0")).status == 200
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a multi-threaded process may deadlock; the
            # child only makes requests and leaves with os._exit.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                os.close(read_end)
                for number in range(20):
                    body = client.request("GET", server.url_for(f"/child-{number}")).body
                    os.write(
                        write_end, b"ok\n" if body == f"GET /child-{number}".encode() else body
                    )
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        crossed = []
        for number in range(1, 21):
            body = client.request("GET", server.url_for(f"/parent-{number}")).body
            if body != f"GET /parent-{number}".encode():
                crossed.append(body)
        with os.fdopen(read_end, "rb") as pipe:
            child_saw = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert crossed == []
        assert child_saw == b"ok\n" * 20
        by_connection = {r.target: r.connection_index for r in server.requests}
        assert {by_connection[f"/parent-{n}"] for n in range(21)} == {0}
        assert {by_connection[f"/child-{n}"] for n in range(20)} == {1}
        assert server.accepted_connections == 2


def test_url_of_a_missing_socket_after_a_good_one(flavor: Flavor, sockdir: str) -> None:
    """A failed connect to one socket leaves the pool of another untouched."""
    with ScriptedServer(echo) as server, flavor.client() as client:
        assert client.request("GET", server.url_for("/a")).status == 200
        with flavor.raises(CONNECT):
            client.request("GET", build_url(os.path.join(sockdir, "none.sock"), "/"))
        assert client.request("GET", server.url_for("/b")).status == 200
        assert server.accepted_connections == 1
