"""The demo section prints what it claims (the README examples run in tests/test_docs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from unixsocket_testutils import UnixSocketServerThread

ROOT = Path(__file__).resolve().parents[2]


def test_demo_section(
    unix_server: UnixSocketServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("demo_httpx", ROOT / "scripts/demo_httpx.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.section(unix_server.url)
    out = capsys.readouterr().out
    assert "1 for 4 requests" in out
    assert "(asyncio), 2 connections" in out
    assert "ConnectError: cannot connect to UNIX socket" in out
    assert "InvalidURL: the URL names no socket" in out
    assert unix_server.accepted_connections == 3
    assert len(unix_server.requests) == 6
