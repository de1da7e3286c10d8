"""Every ```python block of the docs and the READMEs runs, so no example rots.

The convention (also in docs/contributing.md):

- The blocks of one Markdown file run in order in one namespace, like a notebook: a later
  block may use what an earlier one defined. Each file starts afresh, in an empty directory.
- The sockets the examples talk to are served by the shared test server: the paths
  ``/var/run/docker.sock``, ``/run/podman/podman.sock``, ``/run/app.sock`` and the abstract
  name ``my-daemon`` (raw and percent-encoded) are replaced by sockets of
  ``UnixSocketServerThread`` running ``tests/support/daemons.py``, an application that answers
  like the Docker Engine and Podman APIs for the endpoints used and echoes anything else.
  ``/tmp/demo.sock``, where the getting-started pages have readers start
  ``python -m unixsocket_testutils``, is served by that command's application, ``demo_app``.
- A block that defines ``test_`` functions is a test module: it runs under pytest (with the
  unixsocket plugin) and its tests must pass.
- ``<!-- doc-test: skip REASON -->`` on the line before a block skips it, with the reason;
  nothing else is skipped.
- In the httpx2 environments every block runs as an httpx2 user would write it: renamed as
  httpx2-unixsocket is from httpx-unixsocket (``support.httpx_flavor.renamed``).
"""

from __future__ import annotations

import ast
import gc
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
import requests
from support.daemons import daemon_app
from support.httpx_flavor import renamed

from unixsocket_testutils import UnixSocketServerThread, demo_app

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
EXCLUDED = {
    # Owned and executed by the benchmarks (scripts/bench), which need their own environment.
    "docs/benchmarks.md",
}
FILES = sorted(
    path.relative_to(ROOT).as_posix()
    for path in [
        ROOT / "README.md",
        *ROOT.glob("packages/*/README.md"),
        *ROOT.glob("packages/*/CHANGELOG.md"),
        *(ROOT / "docs").rglob("*.md"),
    ]
    if path.relative_to(ROOT).as_posix() not in EXCLUDED and "```" in path.read_text()
)
BLOCK = re.compile(
    r"(?:^<!-- doc-test: (?P<directive>[^\n]*?) -->\n)?^```python[^\n]*\n(?P<code>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
ANY_FENCE = re.compile(r"^[ \t>]*```+ *python", re.MULTILINE)
DAEMON_PATHS = (
    "/var/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/app.sock",
    "/run/App.sock",
)
DEMO_PATH = "/tmp/demo.sock"  # a name in the docs, replaced by a private socket
ABSTRACT_NAME = "my-daemon"
PATCHED = ("request", "get", "head", "post", "put", "patch", "delete", "options")


@dataclass
class Block:
    line: int
    code: str
    skip: str | None


def blocks(relative: str) -> list[Block]:
    text = (ROOT / relative).read_text()
    found: list[Block] = []
    for match in BLOCK.finditer(text):
        directive = match["directive"]
        skip = None
        if directive is not None:
            name, _, reason = directive.partition(" ")
            assert name == "skip", f"{relative}: unknown doc-test directive {directive!r}"
            assert reason.strip(), f"{relative}: a skipped block must say why"
            skip = reason.strip()
        found.append(Block(text.count("\n", 0, match.start("code")) + 1, match["code"], skip))
    assert len(found) == len(ANY_FENCE.findall(text)), (
        f"{relative}: a ```python block is indented or quoted; the test cannot run it"
    )
    return found


@pytest.fixture(scope="module")
def daemons() -> Iterator[dict[str, str]]:
    """The replacements: each daemon path (raw and encoded) to a socket of the test server."""
    servers = [UnixSocketServerThread(app=daemon_app) for _ in DAEMON_PATHS]
    servers.append(UnixSocketServerThread(app=demo_app))
    abstract = UnixSocketServerThread(app=daemon_app, abstract=True)
    for server in [*servers, abstract]:
        server.start()
    replacements: dict[str, str] = {}
    for path, server in zip([*DAEMON_PATHS, DEMO_PATH], servers):
        replacements[quote(path, safe="")] = quote(server.usock, safe="")
        replacements[path] = server.usock
    name = abstract.usock[1:]
    replacements["%00" + ABSTRACT_NAME] = "%00" + quote(name, safe="")
    replacements["\\0" + ABSTRACT_NAME] = "\\0" + name
    replacements["@" + ABSTRACT_NAME] = "@" + name
    yield replacements
    for server in [*servers, abstract]:
        server.stop()


@pytest.fixture(autouse=True)
def restore_requests() -> Iterator[None]:
    """``requests_unixsocket.monkeypatch()`` called for good in an example is undone after it."""
    saved = {name: getattr(requests, name) for name in PATCHED}
    yield
    for name, function in saved.items():
        setattr(requests, name, function)


def substitute(code: str, replacements: dict[str, str]) -> str:
    for old in sorted(replacements, key=len, reverse=True):
        code = code.replace(old, replacements[old])
    return code


def is_test_module(code: str) -> bool:
    return any(
        isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        for node in ast.parse(code).body
    )


@pytest.mark.parametrize("relative", FILES)
def test_code_blocks_run(
    relative: str,
    daemons: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pytester: pytest.Pytester,
) -> None:
    found = blocks(relative)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for variable in ("DOCKER_HOST", "CONTAINER_HOST", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    namespace: dict[str, object] = {"__name__": "doc_example"}
    skipped: list[str] = []
    for block in found:
        where = f"{relative}:{block.line}"
        if block.skip is not None:
            skipped.append(f"{where}: {block.skip}")
            continue
        code = renamed(substitute(block.code, daemons))
        if is_test_module(code):
            pytester.makepyfile(**{f"test_block_{block.line}": code})
            monkeypatch.chdir(pytester.path)
            result = pytester.runpytest_inprocess(
                f"test_block_{block.line}.py", "-p", "no:cacheprovider", "-W", "error"
            )
            outcomes = result.parseoutcomes()
            assert outcomes.get("passed", 0) >= 1, (where, result.stdout.str())
            assert set(outcomes) <= {"passed"}, (where, result.stdout.str())
            monkeypatch.chdir(workdir)
            continue
        padded = "\n" * (block.line - 1) + code  # tracebacks point at the Markdown line
        exec(compile(padded, str(ROOT / relative), "exec"), namespace)
    namespace.clear()
    gc.collect()  # a session an example left open warns here, in this file's test
    if skipped:
        sys.stderr.write("".join(f"skipped block {line}\n" for line in skipped))


def test_every_skip_says_why() -> None:
    reasons = [
        f"{relative}:{block.line}: {block.skip}"
        for relative in FILES
        for block in blocks(relative)
        if block.skip is not None
    ]
    assert all(len(reason.split(": ", 1)[1]) > 10 for reason in reasons), reasons


def test_files_found() -> None:
    assert "README.md" in FILES
    assert len([f for f in FILES if f.startswith("packages/")]) >= 5
    assert all(os.path.exists(ROOT / f) for f in FILES)
