"""The public surface of unixsocket_testutils."""

from __future__ import annotations

import unixsocket_testutils


def test_exported_names_are_locked() -> None:
    assert unixsocket_testutils.__all__ == [
        "Connection",
        "RecordedRequest",
        "Reply",
        "ScriptedServer",
        "UnixSocketServerThread",
        "echo",
        "hello_app",
        "response_head",
        "serve",
        "server_process",
        "serving",
        "wait_for_socket",
    ]


def test_every_exported_name_resolves() -> None:
    for name in unixsocket_testutils.__all__:
        assert getattr(unixsocket_testutils, name).__module__ == "unixsocket_testutils"
