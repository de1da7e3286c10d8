"""The examples in the package README run as written."""

from __future__ import annotations

import pathlib
import re

import pytest

README = pathlib.Path(__file__).parents[2] / "packages" / "unixsocket-testutils" / "README.md"
SERVER, PLUGIN, PROCESS = re.findall(
    r"^```python\n(.*?)^```$", README.read_text(), flags=re.MULTILINE | re.DOTALL
)


def run(code: str) -> None:
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})


def test_server_example(capsys: pytest.CaptureFixture[str]) -> None:
    run(SERVER)
    assert re.fullmatch(
        r"http\+unix://%2Ftmp%2Fus-[0-9a-f]{12}%2Fs\.sock/\n", capsys.readouterr().out
    )


def test_pytest_example(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLUGIN)
    pytester.runpytest("-W", "error").assert_outcomes(passed=1)


def test_process_example() -> None:
    run(PROCESS)  # asserts that the server process exited with 0
