"""Socket specs: sockets written as DOCKER_HOST, ss and systemd write them."""

from __future__ import annotations

import pathlib

import pytest

from unixsocket_url import InvalidAddress, build_url, parse_socket, parse_url


@pytest.mark.parametrize(
    ("spec", "address"),
    [
        ("unix:///var/run/docker.sock", "/var/run/docker.sock"),
        ("unix:///run/user/1000/podman/podman.sock", "/run/user/1000/podman/podman.sock"),
        ("UNIX:///run/app.sock", "/run/app.sock"),
        ("unix:/run/app.sock", "/run/app.sock"),
        ("unix://relative.sock", "relative.sock"),
        ("/run/app.sock", "/run/app.sock"),
        ("run/app.sock", "run/app.sock"),
        ("@name", "\0name"),
        ("unix:@name", "\0name"),
        ("unix://@name", "\0name"),
        ("\0name", "\0name"),
        ("./@x", "./@x"),
        ("a:b.sock", "a:b.sock"),
    ],
)
def test_specs_name_their_socket(spec: str, address: str) -> None:
    assert parse_socket(spec) == address
    assert parse_url(build_url(spec, "/info")).address == address


@pytest.mark.parametrize("exact", [b"@x", pathlib.Path("@x"), b"unix:x", pathlib.Path("tcp:/x")])
def test_bytes_and_paths_are_exact_names(exact: bytes | pathlib.Path) -> None:
    """Only a str is read as a spec, so any file name can still be given exactly."""
    expected = exact.decode() if isinstance(exact, bytes) else str(exact)
    assert parse_socket(exact) == expected
    assert parse_url(build_url(exact)).address == expected


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("tcp://127.0.0.1:2375", "is a TCP address"),
        ("TCP://host:2375", "is a TCP address"),
        ("npipe:////./pipe/docker_engine", "is a Windows named pipe"),
        ("ssh://user@host", "is an SSH address"),
        ("http://localhost/", "is an ordinary URL"),
        ("fd://", "socket-activation address"),
        ("vsock://3:80", "is not a UNIX socket"),
        ("unix://", "names no socket"),
        ("unix:", "names no socket"),
        ("@", "empty abstract socket name"),
        ("", "empty socket name"),
    ],
)
def test_other_specs_are_refused_saying_what_they_are(spec: str, says: str) -> None:
    with pytest.raises(InvalidAddress, match=says) as raised:
        parse_socket(spec)
    if "://" in spec:
        assert repr(spec) in str(raised.value)
        assert "'unix:///path/to.sock'" in str(raised.value)
    with pytest.raises(InvalidAddress):
        build_url(spec)
