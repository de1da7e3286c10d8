"""Responses: every server fault from :mod:`unixsocket_testutils.faults`, on every flavor.

Each fault hits the first connection only; later connections are served normally, so each
test also shows that the client discarded the broken connection and works on a new one.
"""

from __future__ import annotations

import functools
import time
from typing import Callable

import pytest
from support import stream_rss
from support.flavors import BROKEN, READ_TIMEOUT, Flavor

from unixsocket_testutils import Connection, ScriptedServer, echo, faults, serving

Behaviour = Callable[[Connection], None]


def first_connection(fault: Behaviour) -> Behaviour:
    """*fault* on the first connection, plain keep-alive service on the others."""
    normal = serving(echo)
    return lambda conn: (fault if conn.index == 0 else normal)(conn)


def check_recovers(
    flavor: Flavor, client: object, server: ScriptedServer, connections: int
) -> None:
    outcome = client.request("GET", server.url_for("/next"))  # type: ignore[attr-defined]
    assert outcome.body == b"GET /next"
    assert server.accepted_connections == connections


BROKEN_RESPONSES = {
    "short Content-Length": faults.short_content_length(),
    "chunked body cut": faults.chunked_cut(),
    "no final chunk": faults.no_final_chunk(),
    "empty reply": faults.empty_reply(),
    "not HTTP": faults.not_http(),
    "1 MiB header line": faults.huge_header_line(1 << 20),
    "4 MiB of headers": faults.header_megabytes(4),
    "head cut": faults.head_cut(),
    "Content-Length -5": faults.content_length("-5"),
    "Content-Length 1, 2": faults.content_length("1, 2"),
}


@pytest.mark.parametrize("fault", BROKEN_RESPONSES, ids=str)
def test_broken_response_is_the_library_protocol_error(flavor: Flavor, fault: str) -> None:
    with ScriptedServer(behaviour=first_connection(BROKEN_RESPONSES[fault])) as server:
        with flavor.client() as client:
            with flavor.raises(BROKEN):
                client.request("GET", server.url_for("/broken"))
            check_recovers(flavor, client, server, connections=2)
        assert server.received[0].startswith(b"GET /broken HTTP/1.1\r\n")


def test_a_thousand_headers(flavor: Flavor) -> None:
    """http.client refuses more than 100 header fields; h11 takes them (under 100 KiB)."""
    with (
        ScriptedServer(behaviour=first_connection(faults.many_headers(1000))) as server,
        flavor.client() as client,
    ):
        if flavor.name.startswith("httpx"):
            outcome = client.request("GET", server.url_for("/many"))
            assert outcome.headers["x-h999"] == "v"
        else:
            with flavor.raises(BROKEN):
                client.request("GET", server.url_for("/many"))
        check_recovers(flavor, client, server, connections=2)


def test_body_until_close(flavor: Flavor) -> None:
    with (
        ScriptedServer(behaviour=first_connection(faults.body_until_close())) as server,
        flavor.client() as client,
    ):
        assert client.request("GET", server.url_for("/")).body == faults.BODY
        check_recovers(flavor, client, server, connections=2)


def test_head_with_content_length_has_no_body(flavor: Flavor) -> None:
    with ScriptedServer(behaviour=faults.head_with_content_length(1000)) as server:
        with flavor.client() as client:
            head = client.request("HEAD", server.url_for("/h"))
            assert (head.status, head.headers["content-length"], head.body) == (200, "1000", b"")
            assert client.request("GET", server.url_for("/g")).body == b"h" * 1000
        assert server.accepted_connections == 2  # a HEAD's connection is not reused


FAKE_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray"


@pytest.mark.parametrize("stray", [faults.BODY, FAKE_RESPONSE], ids=["body", "a response"])
@pytest.mark.parametrize(("method", "path", "status"), [("HEAD", "/h", 200), ("GET", "/204", 204)])
def test_stray_body_after_a_bodiless_answer_is_never_read(
    flavor: Flavor, stray: bytes, method: str, path: str, status: int
) -> None:
    """A body sent 50 ms after a HEAD or 204 answer, when the client has sent its next request
    on the connection: the next requests still get their own answers (on a new connection)."""
    with ScriptedServer(behaviour=faults.stray_body(0.05, stray)) as server:
        with flavor.client() as client:
            assert client.request(method, server.url_for(path)).status == status
            for after in ("/next", "/last"):
                assert client.request("GET", server.url_for(after)).body == f"GET {after}".encode()
        assert server.accepted_connections == 2


def test_unsolicited_100_continue_is_skipped(flavor: Flavor) -> None:
    with ScriptedServer(behaviour=faults.unsolicited_continue()) as server:
        with flavor.client() as client:
            for _ in range(2):
                outcome = client.request("POST", server.url_for("/c"), body=b"data")
                assert (outcome.status, outcome.body) == (200, faults.BODY)
        assert server.accepted_connections == 1
        assert [request.body for request in server.requests] == [b"data", b"data"]


@pytest.mark.parametrize("status", [102, 103, 199])
def test_informational_responses_are_skipped(flavor: Flavor, status: int) -> None:
    with ScriptedServer(behaviour=faults.informational(status)) as server:
        with flavor.client() as client:
            for _ in range(2):
                outcome = client.request("GET", server.url_for("/hints"))
                assert (outcome.status, outcome.body) == (200, faults.BODY)
        assert server.accepted_connections == 1


def test_early_413_during_a_large_upload_is_returned(flavor: Flavor) -> None:
    upload = b"u" * (16 << 20)
    with ScriptedServer(behaviour=first_connection(faults.early_response(413))) as server:
        with flavor.client() as client:
            outcome = client.request("POST", server.url_for("/upload"), body=upload)
            assert (outcome.status, outcome.body) == (413, b"too large")
            check_recovers(flavor, client, server, connections=2)
        assert len(server.received[0]) < len(upload)


def test_silent_server_is_a_read_timeout(flavor: Flavor) -> None:
    with (
        ScriptedServer(behaviour=first_connection(faults.stall())) as server,
        flavor.client(read=0.3) as client,
    ):
        started = time.monotonic()
        with flavor.raises(READ_TIMEOUT) as raised:
            client.request("GET", server.url_for("/silent"))
        assert 0.3 <= time.monotonic() - started < 0.3 + 0.5
        assert "timed out" in raised.message.lower()
        assert server.describe() in raised.message  # the socket is named
        check_recovers(flavor, client, server, connections=2)


def test_body_that_stalls_is_a_timeout(flavor: Flavor) -> None:
    kind = BROKEN if flavor.name == "requests" else READ_TIMEOUT  # requests: ConnectionError
    with (
        ScriptedServer(behaviour=first_connection(faults.stall(after_headers=True))) as server,
        flavor.client(read=0.3) as client,
    ):
        with flavor.raises(kind) as raised:
            client.request("GET", server.url_for("/half"))
        assert "timed out" in raised.message.lower()
        assert server.describe() in raised.message  # the socket is named
        check_recovers(flavor, client, server, connections=2)


def test_slow_answer_within_the_timeout(flavor: Flavor) -> None:
    with ScriptedServer(behaviour=faults.slow(0.2)) as server, flavor.client(read=2) as client:
        assert client.request("GET", server.url_for("/")).body == faults.BODY
        assert server.accepted_connections == 1


def test_drip_fed_response_never_trips_the_per_read_timeout(flavor: Flavor) -> None:
    """About 50 bytes, one every 10 ms: the whole takes longer than the 0.3 s read timeout."""
    with (
        ScriptedServer(behaviour=faults.drip(interval=0.01)) as server,
        flavor.client(read=0.3) as client,
    ):
        started = time.monotonic()
        assert client.request("GET", server.url_for("/")).body == faults.BODY
        assert time.monotonic() - started > 0.3


def test_streamed_body_cut_short_raises(flavor: Flavor) -> None:
    """Read in pieces, a body short of its Content-Length still fails (urllib3 1.26 too)."""
    with (
        ScriptedServer(behaviour=first_connection(faults.short_content_length(100))) as server,
        flavor.client() as client,
    ):
        with flavor.raises(BROKEN), client.stream(server.url_for("/cut")) as read:
            while read(10):
                pass
        check_recovers(flavor, client, server, connections=2)


@functools.cache
def _bomb(encoding: str) -> Behaviour:
    return faults.compression_bomb(encoding)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_streaming_a_compression_bomb_stays_in_bounded_memory(
    flavor: Flavor, encoding: str
) -> None:
    """256 MiB of zeros in about 254 KiB, streamed and decoded in 64 KiB pieces by a client in
    a fresh process: its peak memory grows by less than 32 MiB (1/8 of the body)."""
    with ScriptedServer(behaviour=_bomb(encoding)) as server:
        measured = stream_rss.run(flavor.name, server.url)
    assert measured["decoded"] == 256 << 20
    assert measured["growth"] < 32 << 20, f"peak RSS grew by {measured['growth'] >> 20} MiB"
