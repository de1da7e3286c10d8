"""The HTTP/1.1 engine (plain requests): which requests it sends, and its pool's rules.

The behaviours every flavor shares (broken responses, the keep-alive race, fork) are in
tests/test_faults; these are the engine's own: ``httpx.Limits``, a request's
``Connection: close``, and cancellation in the middle of a body.
"""

from __future__ import annotations

import time

import anyio
import pytest
from support.httpx_flavor import AsyncClient, Client, UnixTransport, httpx

from unixsocket_testutils import Connection, Reply, ScriptedServer, echo, serving

KEEP_ALIVE = serving(echo)


def test_plain_requests_go_through_the_engine() -> None:
    engine = UnixTransport()
    core = UnixTransport(http2=True)  # http2=True: httpcore's pool (h11 for plain requests)
    with ScriptedServer(behaviour=KEEP_ALIVE) as server:
        for transport in (engine, core):
            with httpx.Client(mounts={"http+unix://": transport}) as client:
                response = client.get(server.url_for("/e"))
                assert response.extensions["http_version"] == b"HTTP/1.1"
                assert response.extensions["reason_phrase"] == b"OK"
                if transport is engine:
                    assert transport._engine is not None
                    assert transport._engine._slots.idle_count == 1
                else:
                    assert transport._engine is None


def test_a_request_asking_to_close_is_never_followed_on_its_connection() -> None:
    """The server keeps the connection open anyway: the client must not reuse it."""

    def deaf(conn: Connection) -> None:  # answers keep-alive, whatever the request says
        while (request := conn.read_request()) is not None:
            conn.send(echo(request).render())

    with ScriptedServer(behaviour=deaf) as server, Client() as client:
        client.get(server.url_for("/1"), headers={"Connection": "close"})
        client.get(server.url_for("/2"))
        client.get(server.url_for("/3"))
    assert server.accepted_connections == 2


def test_max_keepalive_connections_and_expiry() -> None:
    limits = httpx.Limits(max_keepalive_connections=0)
    with ScriptedServer(behaviour=KEEP_ALIVE) as server, Client(limits=limits) as client:
        for path in ("/1", "/2"):
            assert client.get(server.url_for(path)).text == f"GET {path}"
    assert server.accepted_connections == 2
    limits = httpx.Limits(keepalive_expiry=0.05)
    with ScriptedServer(behaviour=KEEP_ALIVE) as server, Client(limits=limits) as client:
        client.get(server.url_for("/1"))
        client.get(server.url_for("/2"))  # within the expiry: reused
        time.sleep(0.1)
        client.get(server.url_for("/3"))
    assert server.accepted_connections == 2


def test_max_connections_makes_room_by_closing_an_idle_connection_elsewhere() -> None:
    limits = httpx.Limits(max_connections=1)
    transport = UnixTransport(limits=limits)
    with (
        ScriptedServer(behaviour=KEEP_ALIVE) as first,
        ScriptedServer(behaviour=KEEP_ALIVE) as second,
        Client(mounts={"http+unix://": transport}) as client,
    ):
        for _ in range(2):
            assert client.get(first.url_for("/a")).text == "GET /a"
            assert client.get(second.url_for("/b")).text == "GET /b"
        first.wait_until(lambda s: s.closed_connections == 2)
    assert (first.accepted_connections, second.accepted_connections) == (2, 2)


@pytest.mark.anyio
async def test_fifty_tasks_stay_within_max_connections() -> None:
    limits = httpx.Limits(max_connections=5)
    with ScriptedServer(behaviour=KEEP_ALIVE) as server:
        async with AsyncClient(limits=limits) as client:

            async def get(number: int) -> None:
                assert (await client.get(server.url_for(f"/{number}"))).text == f"GET /{number}"

            async with anyio.create_task_group() as group:
                for number in range(50):
                    group.start_soon(get, number)
        assert server.accepted_connections <= 5
        assert len(server.requests) == 50


def slow_body(conn: Connection) -> None:
    """Send a head and the first half of the body, then wait; later connections: echo."""
    if conn.index == 0:
        if conn.read_request() is not None:
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf.")
            conn.wait()
        return
    KEEP_ALIVE(conn)


@pytest.mark.anyio
async def test_cancelled_in_the_middle_of_a_body_leaves_no_broken_connection() -> None:
    with ScriptedServer(behaviour=slow_body) as server:
        async with AsyncClient() as client:
            with anyio.move_on_after(0.2) as scope:
                async with client.stream("GET", server.url_for("/slow")) as response:
                    await response.aread()
            assert scope.cancelled_caught
            for path in ("/1", "/2"):
                assert (await client.get(server.url_for(path))).text == f"GET {path}"
        assert server.accepted_connections == 2


def test_reason_phrase_and_interim_responses_in_pieces() -> None:
    """A status line and an interim response split across writes."""

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            reply = Reply(body=b"done").render()
            for piece in (b"HTTP/1.1 103 Ear", b"ly Hints\r\nLink: </a>\r\n\r\n", reply[:9]):
                conn.send(piece)
                time.sleep(0.01)
            conn.send(reply[9:])
            del request

    with ScriptedServer(behaviour=behaviour) as server, Client() as client:
        response = client.get(server.url_for("/hints"))
        assert (response.status_code, response.text) == (200, "done")
        assert response.extensions["reason_phrase"] == b"OK"
        assert "link" not in response.headers


def test_a_response_released_after_the_transport_closed_closes_its_connection() -> None:
    with ScriptedServer(behaviour=KEEP_ALIVE) as server:
        transport = UnixTransport()
        with httpx.Client(mounts={"http+unix://": transport}) as client:
            response = client.send(client.build_request("GET", server.url_for("/s")), stream=True)
        transport.close()  # httpx's client closes its mounts too; the response is still open
        assert response.read() == b"GET /s"
        server.wait_until(lambda s: s.closed_connections == 1)
