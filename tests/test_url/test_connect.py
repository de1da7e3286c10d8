"""connect() and ConnectAttempt on real sockets: each failure names the socket and the cause."""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from support.descriptors import open_files, opened_since
from support.forked import said_in_child

from unixsocket_url import ConnectAttempt, UnixConnectError, UnixConnectTimeout, connect

LINUX = os.uname().sysname == "Linux"
needs_linux = pytest.mark.skipif(not LINUX, reason="abstract names and /proc are Linux-only")


def test_connects_to_a_listening_path(listener: socket.socket) -> None:
    address = listener.getsockname()
    with connect(address, timeout=2.5) as sock:
        assert sock.gettimeout() == 2.5
        server_side, _ = listener.accept()
        with server_side:
            sock.sendall(b"ping")
            assert server_side.recv(4) == b"ping"


def test_timeout_none_gives_a_blocking_socket(listener: socket.socket) -> None:
    with connect(listener.getsockname()) as sock:
        assert sock.gettimeout() is None


@needs_linux
def test_connects_to_an_abstract_name() -> None:
    name = "\0unixsocket-url-test-" + uuid.uuid4().hex
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(name)
        server.listen(1)
        with connect(name, timeout=1) as sock:
            assert sock.getpeername() == name.encode()  # the kernel reports abstract names as bytes


def test_missing_path(sockdir: str) -> None:
    path = os.path.join(sockdir, "missing.sock")
    with pytest.raises(UnixConnectError) as info:
        connect(path, timeout=1)
    assert info.value.errno == errno.ENOENT
    assert str(info.value) == (
        f"cannot connect to UNIX socket '{path}': "
        "no such file or directory (is the server running?)"
    )
    assert info.value.address == path
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_missing_name_with_a_plus_says_it_is_a_literal_plus(sockdir: str) -> None:
    path = os.path.join(sockdir, "my+app.sock")
    with pytest.raises(UnixConnectError) as info:
        connect(path, timeout=1)
    assert str(info.value) == (
        f"cannot connect to UNIX socket '{path}': no such file or directory (is the server "
        "running?); a '+' in a UNIX-socket URL is a literal plus: write a space as %20 "
        "(quote_plus writes '+'), or build the URL with unixsocket_url.build_url()"
    )


def test_the_space_reading_is_named_when_that_socket_exists_but_never_dialed(
    sockdir: str,
) -> None:
    """No fallback: the URL names 'my+app.sock'; the error points at 'my app.sock'."""
    spaced = os.path.join(sockdir, "my app.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(spaced)
        server.listen(1)
        server.setblocking(False)
        with pytest.raises(UnixConnectError) as info:
            connect(spaced.replace(" ", "+"), timeout=1)
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing connected to it
    assert f"no such file or directory (is the server running?); '{spaced}' exists, but " in str(
        info.value
    )
    assert "write a space as %20" in str(info.value)


def test_missing_parent_directory(sockdir: str) -> None:
    path = os.path.join(sockdir, "nope", "s.sock")
    with pytest.raises(UnixConnectError, match="no such file or directory") as info:
        connect(path)
    assert path in str(info.value)


def test_stale_socket_file(sockdir: str) -> None:
    path = os.path.join(sockdir, "stale.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bound:
        bound.bind(path)  # bound but never listening, as a server that died leaves it
    with pytest.raises(UnixConnectError) as info:
        connect(path)
    assert info.value.errno == errno.ECONNREFUSED
    assert "connection refused (stale socket file? nothing is listening on it)" in str(info.value)


@pytest.mark.parametrize(
    ("kind", "make"), [("a regular file", "file"), ("a directory", "dir"), ("a FIFO", "fifo")]
)
def test_path_that_is_not_a_socket(sockdir: str, kind: str, make: str) -> None:
    path = os.path.join(sockdir, "thing")
    if make == "file":
        open(path, "w").close()
    elif make == "dir":
        os.mkdir(path)
    else:
        os.mkfifo(path)
    with pytest.raises(UnixConnectError) as info:
        connect(path)
    assert f"the path exists but is {kind}, not a socket" in str(info.value)
    assert path in str(info.value)


def test_datagram_socket_is_the_wrong_type(sockdir: str) -> None:
    path = os.path.join(sockdir, "dgram.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as dgram:
        dgram.bind(path)
        with pytest.raises(UnixConnectError) as info:
            connect(path)
    assert info.value.errno == errno.EPROTOTYPE
    assert "wrong socket type" in str(info.value)


@needs_linux
def test_abstract_name_nobody_listens_on() -> None:
    name = "\0unixsocket-url-nobody-" + uuid.uuid4().hex
    with pytest.raises(UnixConnectError) as info:
        connect(name)
    assert f"'@{name[1:]}'" in str(info.value)
    assert "nothing is listening on that abstract name" in str(info.value)


def _connect_as_nobody(path: str) -> str:
    """Run connect() in a forked child that dropped to uid/gid 65534; return what it said."""

    def as_nobody() -> str:
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        try:
            connect(path, timeout=1).close()
        except UnixConnectError as exc:
            return f"{exc.errno}|{exc}"
        return "connected"

    return said_in_child(as_nobody)


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to another user needs root")
def test_permission_denied_as_an_unprivileged_user(listener: socket.socket) -> None:
    path = listener.getsockname()
    os.chmod(os.path.dirname(path), 0o755)
    os.chmod(path, 0o700)  # nobody may not write to it
    code, _, message = _connect_as_nobody(path).partition("|")
    assert int(code) == errno.EACCES
    assert f"cannot connect to UNIX socket '{path}': permission denied" in message
    os.chmod(path, 0o777)
    assert _connect_as_nobody(path) == "connected"


@pytest.fixture
def full_backlog(sockdir: str) -> Iterator[socket.socket]:
    """A server with listen(0) whose backlog is filled by clients it never accepts."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(os.path.join(sockdir, "busy.sock"))
    server.listen(0)
    fillers = []
    while True:
        filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        filler.setblocking(False)
        try:
            filler.connect(server.getsockname())
        except BlockingIOError:
            filler.close()
            break
        fillers.append(filler)
    yield server
    for filler in fillers:
        filler.close()
    server.close()


def test_full_backlog_times_out_without_spinning(full_backlog: socket.socket) -> None:
    path = full_backlog.getsockname()
    cpu, wall = time.process_time(), time.monotonic()
    with pytest.raises(UnixConnectTimeout) as info:
        connect(path, timeout=0.5)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert "timed out after 0.5 s: the server's listen backlog stayed full" in str(info.value)
    assert path in str(info.value)
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value.__cause__, BlockingIOError)
    assert 0.5 <= wall < 0.5 + 0.3
    assert cpu < 0.05, f"{cpu:.3f} s of CPU in a 0.5 s wait: that is a busy loop"


def test_full_backlog_then_the_server_accepts(full_backlog: socket.socket) -> None:
    accepted: list[socket.socket] = []

    def accept_one() -> None:
        accepted.append(full_backlog.accept()[0])

    timer = threading.Timer(0.2, accept_one)
    timer.start()
    try:
        with connect(full_backlog.getsockname(), timeout=5) as sock:
            assert sock.fileno() >= 0
    finally:
        timer.join()
        for conn in accepted:
            conn.close()


def test_zero_timeout_on_a_full_backlog_fails_at_once(full_backlog: socket.socket) -> None:
    with pytest.raises(UnixConnectTimeout):
        connect(full_backlog.getsockname(), timeout=0)


def test_backoff_delays_double_up_to_the_cap(full_backlog: socket.socket) -> None:
    with ConnectAttempt(full_backlog.getsockname(), timeout=None) as attempt:
        delays = [attempt.step() for _ in range(10)]
    assert delays == [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.05, 0.05, 0.05, 0.05]


def test_attempt_hands_over_a_non_blocking_socket(listener: socket.socket) -> None:
    with ConnectAttempt(listener.getsockname(), timeout=1) as attempt:
        assert attempt.step() is None
        assert attempt.step() is None
        sock = attempt.detach()
    with sock:
        assert sock.getblocking() is False
        assert sock.fileno() >= 0  # leaving the block did not close a detached socket


def test_run_waits_out_a_full_backlog_and_keeps_the_credentials(
    full_backlog: socket.socket,
) -> None:
    def accept_one() -> None:
        full_backlog.accept()[0].close()

    timer = threading.Timer(0.1, accept_one)
    timer.start()
    try:
        with ConnectAttempt(full_backlog.getsockname(), timeout=3) as attempt:
            sock = attempt.run()
        with sock:
            assert sock.gettimeout() == 3
            if LINUX:
                assert attempt.peer_credentials is not None
                assert attempt.peer_credentials.pid == os.getpid()
    finally:
        timer.join()


def test_detach_before_connected_is_an_error(listener: socket.socket) -> None:
    with ConnectAttempt(listener.getsockname()) as attempt, pytest.raises(RuntimeError):
        attempt.detach()


def _long_dir(base: str) -> str:
    path = base
    while len(path) < 140:
        path = os.path.join(path, "a-rather-long-directory-name")
    os.makedirs(path)
    return path


@needs_linux
def test_path_over_107_bytes_is_reached_through_a_directory_fd(sockdir: str) -> None:
    directory = _long_dir(sockdir)
    path = os.path.join(directory, "s.sock")
    assert len(path.encode()) > 107
    fd = os.open(directory, os.O_PATH | os.O_DIRECTORY)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(f"/proc/self/fd/{fd}/s.sock")
            server.listen(1)
            before = open_files()
            with connect(path, timeout=1) as sock:
                conn, _ = server.accept()
                with conn:
                    sock.sendall(b"x")
                    assert conn.recv(1) == b"x"
            assert not opened_since(before)  # the directory fd was closed
    finally:
        os.close(fd)


@needs_linux
def test_long_path_that_is_missing(sockdir: str) -> None:
    path = os.path.join(_long_dir(sockdir), "missing.sock")
    with pytest.raises(UnixConnectError, match="no such file or directory") as info:
        connect(path)
    assert path in str(info.value)


@needs_linux
def test_long_path_whose_directory_is_missing(sockdir: str) -> None:
    path = os.path.join(sockdir, "x" * 120, "s.sock")
    with pytest.raises(UnixConnectError, match="no such file or directory"):
        connect(path)


def test_no_descriptor_leaks_after_many_failed_connects(sockdir: str) -> None:
    missing = os.path.join(sockdir, "missing.sock")
    long_missing = os.path.join(_long_dir(sockdir), "missing.sock")
    before = open_files()
    for _ in range(500):
        for path in (missing, long_missing):
            with pytest.raises(UnixConnectError):
                connect(path)
    assert not opened_since(before)
