"""Streaming both ways: iter_content, chunked uploads from generators, files; memory stays flat."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from requests_unixsocket import Session

CHUNK = 64 * 1024
BIG = 128 * 1024 * 1024  # 128 MiB
DOWNLOAD = 1024 * 1024 * 1024  # 1 GiB, as the issue asks: about a second over a UNIX socket


@pytest.fixture
def session() -> Iterator[Session]:
    with Session() as s:
        yield s


def big_download_app(environ: Any, start_response: Any) -> Iterator[bytes]:
    total = int(environ["QUERY_STRING"] or BIG)
    block = bytes(range(256)) * (CHUNK // 256)
    start_response("200 OK", [("Content-Length", str(total))])
    sent = 0
    while sent < total:
        piece = block[: min(CHUNK, total - sent)]
        sent += len(piece)
        yield piece


def digest_app(environ: Any, start_response: Any) -> list[bytes]:
    stream = environ["wsgi.input"]
    digest, size = hashlib.sha256(), 0
    while True:
        piece = stream.read(CHUNK)
        if not piece:
            break
        digest.update(piece)
        size += len(piece)
    body = f"{size} {digest.hexdigest()}".encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")  # pragma: no cover


def test_large_download_keeps_memory_flat(session: Session, unix_server_factory: Any) -> None:
    server = unix_server_factory(big_download_app)
    # warm up: the first megabytes load code and buffers
    with session.get(server.url_for("/warm", "1048576"), stream=True) as warm:
        assert sum(len(piece) for piece in warm.iter_content(CHUNK)) == 1048576
    before = _rss_kib()
    received = 0
    with session.get(server.url_for("/big", str(DOWNLOAD)), stream=True) as response:
        for piece in response.iter_content(CHUNK):
            received += len(piece)
    growth_mib = (_rss_kib() - before) / 1024
    assert received == DOWNLOAD
    assert growth_mib < 32, f"RSS grew by {growth_mib:.1f} MiB while streaming 1 GiB"
    assert server.accepted_connections == 1


def test_iter_content_and_iter_lines(session: Session, unix_server_factory: Any) -> None:
    def lines_app(environ: Any, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])  # no length: chunked from the server
        for i in range(1000):
            yield f"line {i}\n".encode()

    server = unix_server_factory(lines_app)
    with session.get(server.url_for("/lines"), stream=True) as response:
        lines = list(response.iter_lines())
    assert len(lines) == 1000
    assert lines[-1] == b"line 999"


def test_chunked_upload_from_a_generator(session: Session, unix_server_factory: Any) -> None:
    server = unix_server_factory(digest_app)
    parts = [bytes([i]) * 10000 for i in range(50)]
    response = session.post(server.url_for("/up"), data=iter(parts))
    expected = hashlib.sha256(b"".join(parts)).hexdigest()
    assert response.text == f"500000 {expected}"
    (seen,) = server.requests
    assert seen.header("Transfer-Encoding") == "chunked"


def test_file_upload(session: Session, unix_server_factory: Any) -> None:
    server = unix_server_factory(digest_app)
    payload = b"0123456789" * 100_000
    response = session.put(server.url_for("/file"), data=io.BytesIO(payload))
    assert response.text == f"{len(payload)} {hashlib.sha256(payload).hexdigest()}"
    assert server.requests[0].header("Content-Length") == str(len(payload))


@pytest.mark.parametrize("already_read", [0, 1, 4095, 4096, 700_001])
def test_upload_of_an_open_file_sends_the_rest_of_it_exactly(
    session: Session, unix_server_factory: Any, tmp_path: Path, already_read: int
) -> None:
    """An open binary file goes out with sendfile(): from where it was read to, byte for byte."""
    server = unix_server_factory(digest_app)
    payload = bytes(range(256)) * 4096 + b"tail"  # 1 MiB and a bit, not block-aligned
    path = tmp_path / "upload.bin"
    path.write_bytes(payload)
    with path.open("rb") as file:
        file.read(already_read)  # leaves read-ahead in the buffer too
        response = session.put(server.url_for("/file"), data=file)
        assert file.tell() == len(payload)  # as if it had been read to the end
    rest = payload[already_read:]
    assert response.text == f"{len(rest)} {hashlib.sha256(rest).hexdigest()}"
    assert server.requests[0].header("Content-Length") == str(len(rest))
    assert server.accepted_connections == 1


def test_unbuffered_files_and_text_bodies_arrive_whole(
    session: Session, unix_server_factory: Any, tmp_path: Path
) -> None:
    server = unix_server_factory(digest_app)
    content = b"line\n" * 1000
    path = tmp_path / "upload.txt"
    path.write_bytes(content)
    with path.open("rb", buffering=0) as raw, path.open(encoding="ascii") as text:
        raw_response = session.put(server.url_for("/raw"), data=raw)  # FileIO: sendfile
        text_response = session.put(server.url_for("/text"), data=text.read())  # str: read
    expected = f"{len(content)} {hashlib.sha256(content).hexdigest()}"
    assert raw_response.text == expected
    assert text_response.text == expected


def test_multipart_files(session: Session, unix_server: Any) -> None:
    response = session.post(unix_server.url_for("/form"), files={"f": ("a.txt", b"hello")})
    assert response.status_code == 200
    (seen,) = unix_server.requests
    assert b'filename="a.txt"' in seen.body
    assert b"hello" in seen.body
