"""Response framing across reads: what a client that parses responses itself (the httpx
flavor's HTTP/1.1 engine) could get wrong, on every flavor.

Bytes after a response that nobody asked for, responses much larger than one read (heads and
chunks split anywhere), and a parser error in the middle of a body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.flavors import BROKEN, Flavor

from unixsocket_testutils import Connection, Reply, ScriptedServer, echo, response_head

from .test_responses import check_recovers, first_connection

if TYPE_CHECKING:
    from collections.abc import Callable

STRAY = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray"


def pipelined(stray: bytes) -> Callable[[Connection], None]:
    """Answer each request, with *stray* in the same write, right after the answer."""

    def behaviour(conn: Connection) -> None:
        while (request := conn.read_request()) is not None:
            conn.send(echo(request).render() + stray)

    return behaviour


@pytest.mark.parametrize(
    "stray",
    [STRAY, STRAY[: STRAY.index(b"\r\n\r\n") + 4], b"garbage"],
    ids=["a response", "a head alone", "garbage"],
)
def test_bytes_after_a_response_are_never_read_as_the_next_one(
    flavor: Flavor, stray: bytes
) -> None:
    with ScriptedServer(behaviour=pipelined(stray)) as server, flavor.client() as client:
        for path in ("/1", "/2", "/3"):
            assert client.request("GET", server.url_for(path)).body == f"GET {path}".encode()


def in_pieces(data: bytes, size: int) -> Callable[[Connection], None]:
    """Answer each request with *data*, written *size* bytes at a time."""

    def behaviour(conn: Connection) -> None:
        while conn.read_request() is not None:
            for start in range(0, len(data), size):
                conn.send(data[start : start + size])

    return behaviour


BIG = bytes(range(256)) * (12 << 10)  # 3 MiB
HEAD_FIELDS = [(f"X-Field-{number}", "v" * 500) for number in range(90)]  # ~45 KiB of head
CHUNKED = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (BIG[:70001], BIG[70001:]))
LARGE = {
    "Content-Length": response_head(200, [*HEAD_FIELDS, ("Content-Length", str(len(BIG)))]) + BIG,
    "chunked": response_head(200, [*HEAD_FIELDS, ("Transfer-Encoding", "chunked")])
    + CHUNKED
    + b"0\r\nX-Trailer: t\r\n\r\n",
}


@pytest.mark.parametrize("size", [1021, 65536 + 3], ids=["1021-byte writes", "64 KiB + 3 writes"])
@pytest.mark.parametrize("framing", LARGE, ids=str)
def test_response_larger_than_a_read(flavor: Flavor, framing: str, size: int) -> None:
    """About 45 KiB of head and 3 MiB of body, written in pieces that end anywhere."""
    with ScriptedServer(behaviour=in_pieces(LARGE[framing], size)) as server:
        with flavor.client() as client:
            for _ in range(2):
                outcome = client.request("GET", server.url_for("/big"))
                assert (outcome.status, outcome.headers["x-field-89"]) == (200, "v" * 500)
                assert outcome.body == BIG
        assert server.accepted_connections == 1


def answer_once(data: bytes) -> Callable[[Connection], None]:
    """Read one request, answer with *data*, keep the connection open: the client must see
    the error in the bytes, not wait for more."""

    def behaviour(conn: Connection) -> None:
        if conn.read_request() is not None:
            conn.send(data)
            conn.wait()

    return behaviour


MID_BODY_ERRORS = {
    "bad chunk size": b"5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n",
    "chunk longer than its size": b"5\r\nhello world\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("fault", MID_BODY_ERRORS, ids=str)
def test_parser_error_mid_body(flavor: Flavor, fault: str) -> None:
    head = response_head(200, [("Transfer-Encoding", "chunked")])
    behaviour = first_connection(answer_once(head + MID_BODY_ERRORS[fault]))
    with ScriptedServer(behaviour=behaviour) as server, flavor.client() as client:
        with flavor.raises(BROKEN):
            client.request("GET", server.url_for("/mid"))
        check_recovers(flavor, client, server, connections=2)


def test_bodies_of_every_size_on_one_connection(flavor: Flavor) -> None:
    """Keep-alive after bodies that end anywhere in a read: each response is its own."""
    sizes = [0, 1, 4095, 4096, 65535, 65536, 65537, 200003]
    replies = iter(Reply(body=bytes([size % 251]) * size) for size in sizes)
    with ScriptedServer(lambda request: next(replies)) as server, flavor.client() as client:
        for size in sizes:
            assert client.request("GET", server.url_for("/s")).body == bytes([size % 251]) * size
        assert server.accepted_connections == 1
