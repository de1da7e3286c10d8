"""The demo section prints what it claims (the README examples run in tests/test_docs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from unixsocket_testutils import demo_app
from unixsocket_testutils.pytest_plugin import UnixServerFactory

ROOT = Path(__file__).resolve().parents[2]


def test_demo_section(
    unix_server_factory: UnixServerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    unix_server = unix_server_factory(demo_app)
    spec = importlib.util.spec_from_file_location("demo_httpx", ROOT / "scripts/demo_httpx.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.section(unix_server.url)
    out = capsys.readouterr().out
    assert "1 for 4 requests" in out
    assert "302 -> 200 (follow_redirects=True), now at /v1/info" in out
    assert "lines [1, 2, 3] as they came, chunked" in out
    assert "(asyncio), 2 connections" in out
    assert "ConnectError: cannot connect to UNIX socket" in out
    assert "InvalidURL: the URL names no socket" in out
    assert unix_server.accepted_connections == 3
    assert len(unix_server.requests) == 9
