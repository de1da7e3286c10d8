"""httpx2-unixsocket's source is httpx-unixsocket's, renamed (scripts/generate_httpx2.py), and the
check that CI runs fails when the generated tree is stale."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from support.httpx_flavor import GENERATOR


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_httpx2", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_code_is_renamed_token_by_token(generator: ModuleType) -> None:
    code = (
        "import httpcore\nimport httpx\nfrom httpx_unixsocket import Client\n"
        "x: httpx.URL = httpx.URL('http://h')  # an httpx URL\n"
        "httpx2_already = httpcore2_too = 1\n"
    )
    assert generator.rename(code) == (
        "import httpcore2\nimport httpx2\nfrom httpx2_unixsocket import Client\n"
        "x: httpx2.URL = httpx2.URL('http://h')  # an httpx2 URL\n"
        "httpx2_already = httpcore2_too = 1\n"
    )


def test_prose_keeps_releases_and_repositories(generator: ModuleType) -> None:
    code = (
        '"""httpx lowercases hosts; httpcore 1.0.9 has a race (encode/httpcore#1110);\n'
        'pip install httpx-unixsocket[http2]; see httpx_unixsocket.Client and httpx 0.28."""\n'
    )
    assert generator.rename(code) == (
        '"""httpx2 lowercases hosts; httpcore 1.0.9 has a race (encode/httpcore#1110);\n'
        'pip install httpx2-unixsocket[http2]; see httpx2_unixsocket.Client and httpx 0.28."""\n'
    )


def test_f_strings_are_renamed(generator: ModuleType) -> None:
    code = 'name = "x"\nmessage = f"use httpx_unixsocket.Client, not {name}"\n'
    assert "httpx2_unixsocket.Client" in generator.rename(code)


def test_check_fails_on_a_stale_tree(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "httpx2_unixsocket"
    shutil.copytree(generator.TARGET, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(generator, "TARGET", copy)
    assert generator.main(["--check"]) == 0  # the tree in the repository is current
    with (copy / "_pool.py").open("a") as file:
        file.write("# edited by hand\n")
    (copy / "_extra.py").write_text("")
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0  # regenerates: hand edits gone, strays removed
    assert generator.main(["--check"]) == 0
    assert not (copy / "_extra.py").exists()
