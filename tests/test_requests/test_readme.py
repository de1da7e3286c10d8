"""The first example in the package README runs as written (the second needs Docker)."""

from __future__ import annotations

import pathlib
import re

import pytest

README = pathlib.Path(__file__).parents[2] / "packages" / "requests-unixsocket" / "README.md"


def test_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    first, docker = re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.M | re.S)
    exec(compile(first, str(README), "exec"), {"__name__": "readme_example"})
    assert "cannot connect to UNIX socket '/nonexistent/app.sock'" in capsys.readouterr().out
    assert "docker.sock" in docker
